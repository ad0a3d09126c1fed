// The FileApi calls the page makes, with the signed-in user's bearer token. Errors carry the problem+json body.

const VERSION_NOT_READY = "urn:fileapi:problem:version-not-ready";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.type = problem?.type ?? "";
    this.problem = problem;
  }
}

export class Api {
  /** `token` is a bearer token, or an async function asked for one before every call (signin.js accessToken). */
  constructor(token) {
    this.token = token;
  }

  async request(method, url, body) {
    const headers = { Authorization: `Bearer ${typeof this.token === "function" ? await this.token() : this.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw new ApiError(response.status, problem);
    }
    return response.status === 204 ? null : response.json();
  }

  workspaces() {
    return this.request("GET", "/file/v2/workspaces").then((answer) => answer.workspaces);
  }

  /** Registers a new version of the file at `path` and answers { file_id, version_id, upload, upload_expires_at }. */
  register(workspace, path, declaration) {
    return this.request("PUT", `${filesBase(workspace)}/path/${encodePath(path)}`, declaration);
  }

  /** A fresh upload link for a version that is still uploading; its blocks are kept. */
  renew(workspace, fileId, versionId) {
    return this.request("PUT", `${filesBase(workspace)}/${fileId}?version_id=${versionId}`);
  }

  /**
   * Completion answers the ready file, or 202 ({ state: "verifying" }) while the service checks the content in the
   * background; then, as on version-not-ready, wait for the outcome.
   */
  async complete(workspace, fileId, versionId) {
    try {
      const answer = await this.request("POST", `${filesBase(workspace)}/${fileId}/versions/${versionId}/complete`);
      if (answer?.state !== "verifying") return answer;
    } catch (error) {
      if (!(error instanceof ApiError) || error.type !== VERSION_NOT_READY) throw error;
    }
    return this.waitUntilReady(workspace, fileId, versionId);
  }

  /** Long-polls the version until it is ready (the file) or failed (an ApiError 409 version-failed). */
  async waitUntilReady(workspace, fileId, versionId) {
    for (;;) {
      try {
        return await this.request("GET", `${filesBase(workspace)}/${fileId}?version_id=${versionId}&wait=20`);
      } catch (error) {
        if (!(error instanceof ApiError) || error.type !== VERSION_NOT_READY) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Gives up an unfinished upload: the version fails (reason "aborted") and its blocks are dropped. */
  abort(workspace, fileId, versionId) {
    return this.request("DELETE", `${filesBase(workspace)}/${fileId}/versions/${versionId}`);
  }

  version(workspace, fileId, versionId) {
    return this.request("GET", `${filesBase(workspace)}/${fileId}?version_id=${versionId}`);
  }

  fileWithVersions(workspace, fileId) {
    return this.request("GET", `${filesBase(workspace)}/${fileId}?include_versions=true`);
  }

  /** A page of the workspace's files; `next` is the links.next of the previous page. */
  listFiles(workspace, next) {
    return this.request("GET", next ?? `${filesBase(workspace)}?limit=20&order_by=modified_at:desc`);
  }

  /** Follows a link the API handed out (a version's self link). */
  follow(link) {
    return this.request("GET", link);
  }
}

export function filesBase(workspace) {
  return `/file/v2/orgs/${workspace.organization_id}/workspaces/${workspace.id}/files`;
}

function encodePath(path) {
  return path.split("/").map(encodeURIComponent).join("/");
}
