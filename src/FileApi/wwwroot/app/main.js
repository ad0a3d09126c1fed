// @ts-check
// The browser uploader page: sign in, choose a workspace, drop files, watch them upload, browse folders, list and download.
// Query parameters for tests and slow links: block_size (bytes per block) and concurrency (blocks at once).

import { Api, ApiError } from "./api.js";
import * as pending from "./pending.js";
import * as signin from "./signin.js";
import { CancelledError, DEFAULT_BLOCK_SIZE, DEFAULT_CONCURRENCY, Upload } from "./uploader.js";

const TOKEN_KEY = "fileapi.token";
const USER_KEY = "fileapi.user";
const WORKSPACE_KEY = "fileapi.workspace";
const DETAIL_REQUESTS = 4;

const params = new URLSearchParams(location.search);
const blockSize = positiveInteger(params.get("block_size")) ?? DEFAULT_BLOCK_SIZE;
const concurrency = positiveInteger(params.get("concurrency")) ?? DEFAULT_CONCURRENCY;

/** An element of index.html. tsc checks this page against the API's types, not the DOM's. @param {string} id @returns {any} */
const $ = (id) => document.getElementById(id);
const numbers = new Intl.NumberFormat("en");
/** @typedef {import("./api.js").Schemas} Schemas */
// `folder` is the level the file list shows ("/" or "/docs/2026/"), in the folder view of the API.
/** @type {{ api: Api | null, workspaces: Schemas["WorkspaceResponse"][], workspace: Schemas["WorkspaceResponse"] | null | undefined, uploads: Set<Upload>, next: string | null | undefined, folder: string }} */
const session = { api: null, workspaces: [], workspace: null, uploads: new Set(), next: null, folder: "/" };

$("microsoft-sign-in").addEventListener("click", async () => {
  showSignInError("");
  try {
    await signin.signIn();
  } catch (error) {
    showSignInError(error.message);
  }
});

$("token-sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  showSignInError("");
  await startSession($("token").value.trim().replace(/^Bearer\s+/i, ""), "token");
});

$("sign-out").addEventListener("click", () => {
  const signedInWithMsal = typeof session.api?.token === "function";
  signOut("");
  if (signedInWithMsal) signin.signOut().catch((error) => showSignInError(error.message));
});
$("workspace").addEventListener("change", () => selectWorkspace($("workspace").value));
$("refresh").addEventListener("click", () => loadFiles({ reset: true }));
$("more").addEventListener("click", () => loadFiles({ reset: false }));
$("breadcrumbs").addEventListener("click", (event) => {
  const crumb = event.target.closest("button[data-folder]");
  if (crumb) openFolder(crumb.dataset.folder);
});
$("files").addEventListener("change", (event) => {
  const input = /** @type {HTMLInputElement} */ (event.target);
  startUploads(input.files);
  input.value = ""; // picking the same file again must fire change again
});

const drop = $("drop");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  startUploads(event.dataTransfer.files);
});
// A file dropped beside the drop zone would otherwise open in the tab and end the uploads.
for (const type of ["dragover", "drop"]) window.addEventListener(type, (event) => event.preventDefault());

const savedToken = sessionStorage.getItem(TOKEN_KEY);
if (savedToken) startSession(savedToken, sessionStorage.getItem(USER_KEY) ?? "");
// MSAL.js also finishes a sign-in redirect here; Sign in works once it is ready (also after a pasted token's sign-out).
signin.initialize().then(
  (account) => {
    $("microsoft-sign-in").disabled = false;
    if (account && !savedToken) startSession(signin.accessToken, signin.displayName(account));
  },
  (error) => {
    if (!savedToken) showSignInError(error.message);
  },
);

async function startSession(token, user) {
  session.api = new Api(token);
  try {
    session.workspaces = await session.api.workspaces();
  } catch (error) {
    signOut(error instanceof ApiError && error.status === 401 ? "That sign-in is not valid (or has expired). Sign in again." : error.message);
    return;
  }
  // A pasted token is kept for reloads; MSAL keeps its own tokens (sessionStorage), asked for before each call.
  if (typeof token === "string") {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, user);
  }
  $("sign-in").hidden = true;
  $("account").hidden = false;
  $("who").textContent = user === "token" ? "Signed in with a token" : `Signed in as ${user}`;

  const select = $("workspace");
  select.replaceChildren(...session.workspaces.map((workspace) => new Option(workspace.name, workspace.id)));
  $("workspace-card").hidden = false;
  if (session.workspaces.length === 0) {
    $("role").textContent = "You have no role in any workspace yet.";
    return;
  }
  const saved = localStorage.getItem(WORKSPACE_KEY);
  selectWorkspace(session.workspaces.some((workspace) => workspace.id === saved) ? saved : session.workspaces[0].id);
}

function signOut(message) {
  for (const upload of session.uploads) upload.cancel({ forget: false });
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  session.api = null;
  for (const id of ["account", "workspace-card", "upload-card", "files-card"]) $(id).hidden = true;
  $("sign-in").hidden = false;
  $("uploads").replaceChildren();
  showSignInError(message);
}

function showSignInError(message) {
  $("sign-in-error").textContent = message;
}

function selectWorkspace(id) {
  session.workspace = session.workspaces.find((workspace) => workspace.id === id);
  localStorage.setItem(WORKSPACE_KEY, id);
  $("workspace").value = id;
  $("role").textContent = `Your role: ${session.workspace.role}`;
  const mayUpload = session.workspace.role !== "viewer";
  $("drop").hidden = !mayUpload;
  $("upload-denied").hidden = mayUpload;
  $("upload-card").hidden = false;
  $("files-card").hidden = false;
  renderPending();
  openFolder("/");
}

/** Shows one folder level, and makes it where new uploads go. */
function openFolder(folder) {
  session.folder = folder;
  $("folder").value = folder.replace(/^\/+|\/+$/g, "");
  renderBreadcrumbs();
  loadFiles({ reset: true });
}

function renderBreadcrumbs() {
  const segments = session.folder.split("/").filter(Boolean);
  const crumbs = [crumb("Workspace root", "/", segments.length === 0)];
  segments.forEach((segment, i) => {
    crumbs.push(element("span", "separator", "/"));
    crumbs.push(crumb(segment, `/${segments.slice(0, i + 1).join("/")}/`, i === segments.length - 1));
  });
  $("breadcrumbs").replaceChildren(...crumbs);
}

function crumb(label, folder, current) {
  const button = element("button", current ? "link crumb current" : "link crumb", label);
  button.type = "button";
  button.dataset.folder = folder;
  if (current) button.setAttribute("aria-current", "location");
  return button;
}

function startUploads(files) {
  for (const file of files) {
    const busy = [...session.uploads].some((upload) => upload.file.name === file.name && upload.file.size === file.size &&
      upload.file.lastModified === file.lastModified && !upload.finished);
    if (!busy) runUpload(file);
  }
}

async function runUpload(file) {
  let metadata;
  try {
    metadata = metadataEntered();
  } catch (error) {
    $("upload-error").textContent = error.message;
    return;
  }
  $("upload-error").textContent = "";
  const upload = new Upload({
    api: session.api,
    workspace: session.workspace,
    file,
    path: folderPrefix() + file.name,
    metadata,
    blockSize,
    concurrency,
  });
  session.uploads.add(upload);
  const row = uploadRow(upload);
  $("uploads").prepend(row.element);
  upload.addEventListener("progress", row.update);
  upload.addEventListener("statechange", () => {
    row.update();
    renderPending();
  });
  try {
    await upload.run();
    loadFiles({ reset: true });
  } catch (error) {
    if (!(error instanceof CancelledError)) console.error(error);
    if (error instanceof ApiError && error.status === 401) signOut("Your sign-in has expired. Sign in again, then pick the file to resume.");
  } finally {
    row.update();
    renderPending();
  }
}

function uploadRow(upload) {
  const name = element("strong", "name", upload.file.name);
  const status = element("span", "status");
  const cancel = element("button", "secondary cancel", "Cancel");
  cancel.type = "button";
  cancel.addEventListener("click", () => upload.cancel());
  const progress = element("progress");
  progress.max = Math.max(upload.size, 1);
  const bytes = element("div", "bytes muted");
  const note = element("div", "note muted");
  const item = element("li", "upload");
  item.append(element("div", "line", name, status, cancel), progress, bytes, note);

  const labels = {
    starting: "Starting…",
    uploading: "Uploading",
    committing: "Committing blocks…",
    completing: "Finishing…",
    done: "Uploaded",
    failed: "Failed",
    cancelled: "Cancelled",
  };
  const update = () => {
    const loaded = upload.loaded;
    const percent = upload.size === 0 ? (upload.state === "done" ? 100 : 0) : Math.floor((loaded * 100) / upload.size);
    item.dataset.state = upload.state;
    item.dataset.loaded = String(loaded);
    status.textContent = labels[upload.state];
    progress.value = upload.size === 0 && upload.state === "done" ? 1 : loaded;
    bytes.textContent = `${percent}% · ${numbers.format(loaded)} of ${numbers.format(upload.size)} bytes`;
    cancel.hidden = upload.finished;
    const parts = [`to ${upload.path}`];
    if (upload.resumed) parts.push(`resumed: ${upload.storedBlocks} of ${upload.totalBlocks} blocks were already stored`);
    if (upload.state === "failed") parts.push(upload.error?.message ?? "unknown error");
    note.textContent = parts.join(" · ");
  };
  update();
  return { element: item, update };
}

function renderPending() {
  if (!session.workspace) return;
  const active = new Set([...session.uploads].filter((upload) => !upload.finished).map((upload) => upload.file.name + "/" + upload.file.size));
  const records = pending.inWorkspace(session.workspace.id).filter((record) => !active.has(record.name + "/" + record.size));
  $("pending").replaceChildren(
    ...records.map((record) => {
      const forget = element("button", "secondary", "Cancel");
      forget.type = "button";
      forget.addEventListener("click", () => {
        pending.forget(record.key);
        // Discarded for good: the service drops its blocks now instead of when its link expires.
        session.api.abort(session.workspace, record.fileId, record.versionId).catch((error) => console.warn(error));
        renderPending();
      });
      const stored = record.size === 0 ? 0 : Math.floor(((record.storedBytes ?? 0) * 100) / record.size);
      const item = element("li", "pending", element("strong", "name", record.name), " ",
        element("span", "muted", `${formatSize(record.size)} to ${record.path} · about ${stored}% stored · started ${formatTime(record.startedAt)}`), " ", forget);
      item.dataset.name = record.name;
      return item;
    }),
  );
  $("pending-card").hidden = records.length === 0;
}

async function loadFiles({ reset }) {
  const workspace = session.workspace;
  if (!session.api || !workspace) return;
  $("files-error").textContent = "";
  if (reset) session.next = null;
  const folder = session.folder;
  let page;
  try {
    page = await session.api.listFolder(workspace, folder, session.next);
  } catch (error) {
    $("files-error").textContent = error.message;
    return;
  }
  if (workspace !== session.workspace || folder !== session.folder) return; // another workspace or folder was chosen meanwhile

  // Subfolders come first, on the first pages; then the folder's own files.
  const folders = (page.folders ?? []).map((subfolder) => folderRow(subfolder));
  const rows = page.files.map((file) => fileRow(file));
  const elements = [...folders, ...rows.map((row) => row.element)];
  if (reset) $("files-body").replaceChildren(...elements);
  else $("files-body").append(...elements);
  session.next = page.links.next;
  $("more").hidden = !page.links.next;
  $("files-empty").hidden = $("files-body").children.length > 0;

  // Each file's versions come from its own GET with include_versions, a few at a time.
  const queue = [...rows];
  await Promise.all(Array.from({ length: DETAIL_REQUESTS }, async () => {
    while (queue.length > 0) await queue.shift().loadVersions(workspace);
  }));
}

/** @param {Schemas["FolderListItem"]} folder */
function folderRow(folder) {
  const path = folder.path + folder.name + "/";
  const open = element("button", "link folder-name", element("span", "folder-icon"), folder.name);
  open.type = "button";
  open.title = `Open ${path}`;
  open.addEventListener("click", () => openFolder(path));
  const row = element("tr", "folder",
    element("td", "name", open),
    element("td", "muted", "Folder"),
    element("td", "number", folder.file_count === 1 ? "1 file" : `${numbers.format(Number(folder.file_count))} files`),
    element("td", ""),
    element("td", ""));
  row.dataset.folder = path;
  return row;
}

/** @param {Schemas["FileListItem"]} file */
function fileRow(file) {
  const versions = element("ul", "versions", element("li", "muted", "…"));
  const metadata = Object.entries(file.metadata ?? {});
  const row = element("tr", "",
    element("td", "name", file.name,
      metadata.length === 0 ? "" : element("ul", "metadata", ...metadata.map(([key, value]) =>
        element("li", "", element("span", "key", key), " ", value)))),
    element("td", "muted content-type", file.content_type ?? ""),
    element("td", "number", formatSize(file.size)),
    element("td", "", formatTime(file.modified_at)),
    element("td", "", versions));
  row.dataset.fileId = file.file_id;
  row.dataset.name = file.name;

  const loadVersions = async (workspace) => {
    try {
      const detail = await session.api.fileWithVersions(workspace, file.file_id);
      versions.replaceChildren(...detail.versions.map((version) => versionItem(version, version.version_id === detail.version_id)));
    } catch (error) {
      versions.replaceChildren(element("li", "error", error.message));
    }
  };
  return { element: row, loadVersions };
}

/**
 * @param {Schemas["VersionResponse"]} version
 * @param {boolean} latest
 */
function versionItem(version, latest) {
  const download = element("button", "link download", "Download");
  download.type = "button";
  download.title = `Download version ${version.version_id}`;
  // Download links live 10 minutes, so each click asks for a fresh one.
  download.addEventListener("click", async () => {
    try {
      const answer = await session.api.follow(version.link);
      location.assign(answer.download);
    } catch (error) {
      download.textContent = `Download failed: ${error.message}`;
    }
  });
  const item = element("li", latest ? "version latest" : "version",
    element("span", "", `${formatTime(version.created_at, true)} · ${formatSize(version.size)} · ${version.created_by?.name ?? version.created_by?.id ?? ""}`),
    latest ? element("span", "badge", "latest") : "",
    " ", download);
  item.dataset.versionId = version.version_id;
  return item;
}

/** The metadata textarea as an object: one key=value a line, blank lines ignored. */
function metadataEntered() {
  /** @type {Record<string, string>} */
  const metadata = {};
  for (const line of $("metadata").value.split("\n").map((text) => text.trim()).filter(Boolean)) {
    const equals = line.indexOf("=");
    if (equals <= 0) throw new Error(`Metadata line "${line}" is not key=value.`);
    metadata[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  }
  return metadata;
}

function folderPrefix() {
  const folder = $("folder").value.trim().replace(/^\/+|\/+$/g, "");
  return folder ? `${folder}/` : "";
}

function element(tag, className = "", ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

function formatSize(bytes) {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${numbers.format(value)} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatTime(text, seconds = false) {
  return text ? new Date(text).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: seconds ? "medium" : "short" }) : "";
}

function positiveInteger(text) {
  const value = Number(text);
  return text && Number.isInteger(value) && value > 0 ? value : null;
}
