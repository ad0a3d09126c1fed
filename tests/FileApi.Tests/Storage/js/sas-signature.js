// Prints the service SAS signature the official JS SDK computes for each case, as a JSON array of strings.
// Usage: node sas-signature.js '<json: { accountName, accountKey, cases: [...] }>'
const { generateBlobSASQueryParameters, StorageSharedKeyCredential } = require("@azure/storage-blob");
const { blobSasValues } = require("./sas-values.js");

const { accountName, accountKey, cases } = JSON.parse(process.argv[2]);
const credential = new StorageSharedKeyCredential(accountName, accountKey);
const signatures = cases.map((c) => generateBlobSASQueryParameters(blobSasValues(c), credential).signature);
console.log(JSON.stringify(signatures));
