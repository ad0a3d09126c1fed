// Uploads a file through an upload SAS URL with the official JS SDK, the way our web client does: several
// staged blocks sent in parallel, then Put Block List.
// Usage: node upload-with-sdk.js <sas-url> <file> <block-size> <concurrency>
const { BlockBlobClient } = require("@azure/storage-blob");
const fs = require("node:fs");

const [sasUrl, file, blockSize, concurrency] = process.argv.slice(2);
const data = fs.readFileSync(file);

new BlockBlobClient(sasUrl)
  .uploadData(data, {
    blockSize: Number(blockSize),
    // Anything larger than one block is staged rather than sent with a single Put Blob.
    maxSingleShotSize: Number(blockSize),
    concurrency: Number(concurrency),
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
