// Prints the service SAS signature the official JS SDK computes for each case, as a JSON array of strings.
// Usage: node sas-signature.js '<json: { accountName, accountKey, cases: [...] }>'
const {
  generateBlobSASQueryParameters,
  BlobSASPermissions,
  StorageSharedKeyCredential,
} = require("@azure/storage-blob");

const { accountName, accountKey, cases } = JSON.parse(process.argv[2]);
const credential = new StorageSharedKeyCredential(accountName, accountKey);
const signatures = cases.map(
  (c) =>
    generateBlobSASQueryParameters(
      {
        containerName: c.containerName,
        blobName: c.blobName,
        permissions: BlobSASPermissions.parse(c.permissions),
        startsOn: new Date(c.startsOn),
        expiresOn: new Date(c.expiresOn),
        protocol: c.protocol,
        version: c.version,
        versionId: c.versionId ?? undefined,
        contentDisposition: c.contentDisposition ?? undefined,
      },
      credential,
    ).signature,
);
console.log(JSON.stringify(signatures));
