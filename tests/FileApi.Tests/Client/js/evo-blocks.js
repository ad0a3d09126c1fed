// Plays another client of the same upload with the official JS blob SDK and the Evo SDK's block ids (base64 of
// the byte offset as 32 zero-padded digits), to show that uploads resume across clients.
// Usage: node evo-blocks.js <sas-url> <file> <block-size> stage <count>   stages the first <count> blocks, no commit
//        node evo-blocks.js <sas-url> <file> <block-size> resume          stages what storage lacks, then commits
// Prints the number of blocks it staged.
const { BlockBlobClient } = require("@azure/storage-blob");
const fs = require("node:fs");

const [sasUrl, file, blockSizeText, mode, countText] = process.argv.slice(2);
const data = fs.readFileSync(file);
const blockSize = Number(blockSizeText);
const blob = new BlockBlobClient(sasUrl);
const blockId = (offset) => Buffer.from(String(offset).padStart(32, "0")).toString("base64");

async function main() {
  const blocks = [];
  for (let offset = 0; offset < data.length; offset += blockSize)
    blocks.push({ id: blockId(offset), offset, length: Math.min(blockSize, data.length - offset) });

  let wanted = blocks;
  if (mode === "stage") {
    wanted = blocks.slice(0, Number(countText));
  } else {
    const list = await blob.getBlockList("all");
    const held = new Map([...(list.committedBlocks ?? []), ...(list.uncommittedBlocks ?? [])].map((b) => [b.name, b.size]));
    wanted = blocks.filter((block) => held.get(block.id) !== block.length);
  }
  for (const block of wanted)
    await blob.stageBlock(block.id, data.subarray(block.offset, block.offset + block.length), block.length);
  if (mode === "resume") await blob.commitBlockList(blocks.map((block) => block.id));
  console.log(wanted.length);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
