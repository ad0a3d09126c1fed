// The official JS SDK's own parallel file upload, for the bench's upload section.
// Usage: node upload-file.js <sas-url> <file> <block-size-bytes> <concurrency>
const { BlockBlobClient } = require("@azure/storage-blob");

const [sasUrl, file, blockSize, concurrency] = process.argv.slice(2);

new BlockBlobClient(sasUrl)
  .uploadFile(file, { blockSize: Number(blockSize), maxSingleShotSize: Number(blockSize), concurrency: Number(concurrency) })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
