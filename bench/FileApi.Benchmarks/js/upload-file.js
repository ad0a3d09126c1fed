// The official JS SDK's own parallel file upload, for the bench's upload section, doing the whole job the CLI does:
// register the version with FileApi, uploadFile to the link it hands out, then ask FileApi to complete it.
// Usage: node upload-file.js <files-url> <remote-path> <token> <file> <block-size-bytes> <concurrency>
const { statSync } = require("node:fs");
const { BlockBlobClient } = require("@azure/storage-blob");

const [filesUrl, remotePath, token, file, blockSize, concurrency] = process.argv.slice(2);
const headers = { authorization: `Bearer ${token}`, accept: "application/json" };

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function main() {
  const link = await call("PUT", `${filesUrl}/path/${remotePath}`, { size: statSync(file).size });
  await new BlockBlobClient(link.upload).uploadFile(file, {
    blockSize: Number(blockSize),
    maxSingleShotSize: Number(blockSize),
    concurrency: Number(concurrency),
  });
  await call("POST", `${filesUrl}/${link.file_id}/versions/${encodeURIComponent(link.version_id)}/complete`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
