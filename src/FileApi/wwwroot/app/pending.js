// @ts-check
// Unfinished uploads, kept in localStorage so they survive a reload or a closed tab. A record names the version
// being uploaded and the file it came from (name, size, lastModified), never the upload link: links are renewed
// when an upload resumes. Blocks already sent are asked of blob storage (Get Block List), not remembered here.

const KEY = "fileapi.uploads.v1";

export function all() {
  try {
    const records = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    return Array.isArray(records) ? records : [];
  } catch {
    return [];
  }
}

export function inWorkspace(workspaceId) {
  return all().filter((record) => record.workspaceId === workspaceId);
}

/** The unfinished upload of this very file (same name, size and modification time) in the workspace, if any. */
export function find(workspaceId, file) {
  return all().find(
    (record) =>
      record.workspaceId === workspaceId &&
      record.name === file.name &&
      record.size === file.size &&
      record.lastModified === file.lastModified,
  );
}

export function save(record) {
  const records = all().filter((other) => other.key !== record.key);
  records.push(record);
  localStorage.setItem(KEY, JSON.stringify(records));
}

export function forget(key) {
  localStorage.setItem(KEY, JSON.stringify(all().filter((record) => record.key !== key)));
}

export function keyOf(workspaceId, fileId, versionId) {
  return `${workspaceId}/${fileId}/${versionId}`;
}
