// @ts-check
// Uploads one file straight to blob storage through the version's upload link (a SAS for exactly its blob):
// Put Block for each block, several at once, then Put Block List, then the API's fast completion call.
//
// - Memory stays bounded: each block is a Blob.slice of the file, read by the browser as it is sent, and only
//   `concurrency` blocks are in flight.
// - Progress is in bytes: the blocks already stored plus, for each block in flight, the bytes its request has
//   sent so far (XMLHttpRequest upload progress). A block that fails gives its bytes back.
// - Block ids follow the Evo scheme, base64 of the block's byte offset as 32 zero-padded digits, so any client
//   can tell from Get Block List which parts of the file are stored, and a resumed upload sends only the rest.
// - Links live 30 minutes: one about to expire, or answered with 403, is renewed (same version, same blob,
//   blocks kept), once for all blocks in flight.
// - Every storage request names the same service version as the API and the .NET client.
// - A cancelled upload that the user discards is aborted on the service (its blocks are dropped), not left to expire.
// - The registration declares the file's type as the browser knows it (File.type) and the metadata entered, so
//   downloads are served with that type.

import { ApiError } from "./api.js";
import * as pending from "./pending.js";

export const DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;
export const DEFAULT_CONCURRENCY = 4;
const MAX_BLOCKS = 50_000; // the most blocks one blob may have
const RENEW_BEFORE_EXPIRY_MS = 2 * 60_000;
const MIN_RENEW_INTERVAL_MS = 30_000; // a client clock far ahead must not make every block renew
const MAX_ATTEMPTS = 6;
/** The storage service version of the API and the .NET client too (FileApi.Client BlobTransport.ServiceVersion). */
export const STORAGE_SERVICE_VERSION = "2026-06-06";

export function blockId(offset) {
  return btoa(String(offset).padStart(32, "0"));
}

/** The preferred block size, doubled until the file fits in the blob service's 50,000 blocks. */
export function blockSizeFor(size, preferred) {
  let blockSize = preferred;
  while (Math.ceil(size / blockSize) > MAX_BLOCKS) blockSize *= 2;
  return blockSize;
}

export class CancelledError extends Error {
  constructor() {
    super("The upload was cancelled.");
  }
}

export class Upload extends EventTarget {
  /** @type {import("./api.js").Api} */
  #api;
  /** @type {import("./api.js").Workspace} */
  #workspace;
  /** @type {File} */
  #file;
  #path;
  #preferredBlockSize;
  #concurrency;
  #record = null;
  #link = null;
  #expiresAt = 0;
  #renewedAt = 0;
  #renewing = null;
  #requests = new Set();
  #controller = new AbortController();
  #inFlight = new Map();
  #stored = 0;
  #cancelled = false;

  state = "starting";
  error = null;
  totalBlocks = 0;
  /** Blocks found already stored when the upload resumed. */
  storedBlocks = 0;
  resumed = false;
  result = null;

  /** What the registration declares besides the size: the file's type (from the browser) and the user's metadata. */
  #declared;

  /**
   * @param {{ api: import("./api.js").Api, workspace: import("./api.js").Workspace, file: File, path: string,
   *   metadata?: Record<string, string>, blockSize?: number, concurrency?: number }} options
   */
  constructor({ api, workspace, file, path, metadata, blockSize = DEFAULT_BLOCK_SIZE, concurrency = DEFAULT_CONCURRENCY }) {
    super();
    this.#declared = {
      ...(file.type ? { content_type: file.type } : {}),
      ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
    };
    this.#api = api;
    this.#workspace = workspace;
    this.#file = file;
    this.#path = path;
    this.#preferredBlockSize = blockSize;
    this.#concurrency = concurrency;
  }

  get file() {
    return this.#file;
  }

  get path() {
    return this.#record?.path ?? this.#path;
  }

  get size() {
    return this.#file.size;
  }

  /** Bytes stored plus bytes on their way, exact to the byte. */
  get loaded() {
    let sending = 0;
    for (const bytes of this.#inFlight.values()) sending += bytes;
    return this.#stored + sending;
  }

  get finished() {
    return ["done", "failed", "cancelled"].includes(this.state);
  }

  async run() {
    try {
      const earlier = pending.find(this.#workspace.id, this.#file);
      if (earlier && (await this.#resume(earlier)) === "ready") return this.result;
      if (!this.#record) await this.#register();

      const blocks = this.#plan();
      const stored = this.resumed ? await this.#storedBlockList() : { committed: [], uncommitted: [] };
      const alreadyCommitted = blocks.length > 0 && stored.committed.length === blocks.length &&
        blocks.every((block, i) => stored.committed[i].id === block.id && stored.committed[i].size === block.length);
      const present = new Map([...stored.committed, ...stored.uncommitted].map((block) => [block.id, block.size]));
      const missing = alreadyCommitted ? [] : blocks.filter((block) => present.get(block.id) !== block.length);
      this.storedBlocks = blocks.length - missing.length;
      this.#stored = this.#file.size - missing.reduce((sum, block) => sum + block.length, 0);
      this.#setState("uploading");

      await this.#sendBlocks(missing);
      if (!alreadyCommitted) {
        this.#setState("committing");
        await this.#commit(blocks);
      }
      this.#setState("completing");
      this.result = await this.#api.complete(this.#workspace, this.#record.fileId, this.#record.versionId);
      pending.forget(this.#record.key);
      this.#setState("done");
      return this.result;
    } catch (error) {
      if (this.#cancelled) {
        this.#setState("cancelled");
        throw new CancelledError();
      }
      this.error = error;
      this.#setState("failed");
      throw error;
    }
  }

  /**
   * Stops every request in flight, forgets the upload and aborts its version on the service, which drops its blocks.
   * With `forget: false` (signing out) the record and the version stay, so the upload can be resumed later.
   */
  cancel({ forget = true } = {}) {
    if (this.finished) return;
    this.#cancelled = true;
    this.#controller.abort();
    for (const request of this.#requests) request.abort();
    if (this.#record && forget) {
      pending.forget(this.#record.key);
      // Best effort: a version that is not aborted still expires with its link.
      this.#api.abort(this.#workspace, this.#record.fileId, this.#record.versionId).catch((error) => console.warn(error));
    }
  }

  async #register() {
    const answer = await this.#api.register(this.#workspace, this.#path, { size: this.#file.size, ...this.#declared });
    this.#throwIfCancelled();
    this.#record = {
      key: pending.keyOf(this.#workspace.id, answer.file_id, answer.version_id),
      workspaceId: this.#workspace.id,
      fileId: answer.file_id,
      versionId: answer.version_id,
      path: this.#path,
      name: this.#file.name,
      size: this.#file.size,
      lastModified: this.#file.lastModified,
      blockSize: blockSizeFor(this.#file.size, this.#preferredBlockSize),
      storedBytes: 0,
      startedAt: new Date().toISOString(),
    };
    pending.save(this.#record);
    this.#useLink(answer);
  }

  /** "resumed", "ready" when the version finished meanwhile, or "restart" when it can no longer be finished. */
  async #resume(record) {
    try {
      this.#useLink(await this.#api.renew(this.#workspace, record.fileId, record.versionId));
      this.#record = record;
      this.resumed = true;
      return "resumed";
    } catch (error) {
      if (!(error instanceof ApiError) || ![400, 404, 409, 410].includes(error.status)) throw error;
    }
    // Not uploading any more: ready (its commit was seen before the page could call complete) or given up.
    pending.forget(record.key);
    try {
      this.result = await this.#api.version(this.#workspace, record.fileId, record.versionId);
      this.#stored = this.#file.size;
      this.#setState("done");
      return "ready";
    } catch (error) {
      if (!(error instanceof ApiError) || ![404, 409, 410].includes(error.status)) throw error;
      return "restart";
    }
  }

  #plan() {
    const { blockSize } = this.#record;
    const blocks = [];
    for (let offset = 0; offset < this.#file.size; offset += blockSize)
      blocks.push({ offset, length: Math.min(blockSize, this.#file.size - offset), id: blockId(offset) });
    this.totalBlocks = blocks.length;
    return blocks;
  }

  async #sendBlocks(blocks) {
    const queue = [...blocks];
    const worker = async () => {
      while (queue.length > 0) await this.#sendBlock(queue.shift());
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, queue.length) }, worker));
  }

  async #sendBlock(block) {
    for (let attempt = 1; ; attempt++) {
      await this.#renewIfExpiring();
      const link = this.#link;
      const status = await this.#put(`${link}&comp=block&blockid=${encodeURIComponent(block.id)}`, block);
      this.#inFlight.delete(block.offset);
      if (status === 201) {
        this.#stored += block.length;
        this.#record.storedBytes = this.#stored;
        pending.save(this.#record);
        this.#emitProgress();
        return;
      }
      this.#emitProgress();
      await this.#recover(status, attempt, link, `Block at byte ${block.offset}`);
    }
  }

  #put(url, block) {
    this.#throwIfCancelled();
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      this.#requests.add(request);
      request.open("PUT", url);
      request.setRequestHeader("x-ms-version", STORAGE_SERVICE_VERSION);
      request.upload.onprogress = (event) => {
        this.#inFlight.set(block.offset, Math.min(event.loaded, block.length));
        this.#emitProgress();
      };
      request.onloadend = () => this.#requests.delete(request);
      request.onload = () => resolve(request.status);
      request.onerror = () => resolve(0); // network failure: retried
      request.onabort = () => reject(new CancelledError());
      request.send(this.#file.slice(block.offset, block.offset + block.length));
    });
  }

  async #commit(blocks) {
    const body = `<?xml version="1.0" encoding="utf-8"?><BlockList>${blocks.map((block) => `<Latest>${block.id}</Latest>`).join("")}</BlockList>`;
    for (let attempt = 1; ; attempt++) {
      await this.#renewIfExpiring();
      const link = this.#link;
      const response = await this.#fetch(`${link}&comp=blocklist`, {
        method: "PUT",
        headers: { "Content-Type": "application/xml", "x-ms-blob-content-type": this.#file.type || "application/octet-stream" },
        body,
      });
      if (response?.status === 201) return;
      await this.#recover(response?.status ?? 0, attempt, link, "Put Block List");
    }
  }

  /** Get Block List: what this blob already holds, committed or not. */
  async #storedBlockList() {
    for (let attempt = 1; ; attempt++) {
      const link = this.#link;
      const response = await this.#fetch(`${link}&comp=blocklist&blocklisttype=all`, { method: "GET" });
      if (response?.status === 404) return { committed: [], uncommitted: [] };
      if (response?.status === 200) {
        const xml = new DOMParser().parseFromString(await response.text(), "application/xml");
        const read = (list) =>
          [...xml.querySelectorAll(`${list} > Block`)].map((block) => ({
            id: block.querySelector("Name").textContent,
            size: Number(block.querySelector("Size").textContent),
          }));
        return { committed: read("CommittedBlocks"), uncommitted: read("UncommittedBlocks") };
      }
      await this.#recover(response?.status ?? 0, attempt, link, "Get Block List");
    }
  }

  async #fetch(url, init) {
    this.#throwIfCancelled();
    try {
      const headers = { ...init.headers, "x-ms-version": STORAGE_SERVICE_VERSION };
      return await fetch(url, { ...init, headers, signal: this.#controller.signal });
    } catch (error) {
      this.#throwIfCancelled();
      return null; // network failure: retried
    }
  }

  /** After a failed blob request: renew on 403, wait and retry on a network failure or 5xx, give up otherwise. */
  async #recover(status, attempt, link, what) {
    this.#throwIfCancelled();
    const retryable = status === 0 || status === 403 || status === 408 || status === 429 || status >= 500;
    if (!retryable || attempt >= MAX_ATTEMPTS)
      throw new Error(`${what} failed${status ? ` with HTTP ${status}` : ": the network request failed"}.`);
    if (status === 403) await this.#renew(link, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** (attempt - 1), 8000)));
  }

  async #renewIfExpiring() {
    if (Date.now() >= this.#expiresAt - RENEW_BEFORE_EXPIRY_MS) await this.#renew(this.#link, { force: false });
  }

  /** One renewal at a time, and none when another request already replaced the link that failed. */
  async #renew(staleLink, { force }) {
    this.#throwIfCancelled();
    if (this.#renewing) return this.#renewing;
    if (this.#link !== staleLink) return;
    if (!force && Date.now() - this.#renewedAt < MIN_RENEW_INTERVAL_MS) return;
    this.#renewing = this.#api
      .renew(this.#workspace, this.#record.fileId, this.#record.versionId)
      .then((answer) => this.#useLink(answer))
      .finally(() => (this.#renewing = null));
    return this.#renewing;
  }

  /** @param {import("./api.js").Upload} answer */
  #useLink(answer) {
    this.#link = answer.upload;
    this.#expiresAt = Date.parse(answer.upload_expires_at);
    this.#renewedAt = Date.now();
  }

  #throwIfCancelled() {
    if (this.#cancelled) throw new CancelledError();
  }

  #setState(state) {
    this.state = state;
    this.dispatchEvent(new Event("statechange"));
    this.#emitProgress();
  }

  #emitProgress() {
    this.dispatchEvent(new Event("progress"));
  }
}
