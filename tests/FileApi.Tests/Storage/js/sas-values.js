// A test case as the C# tests send it, in the shape the JS SDK's generateBlobSASQueryParameters takes.
const { BlobSASPermissions } = require("@azure/storage-blob");

module.exports.blobSasValues = (c) => ({
  containerName: c.containerName,
  blobName: c.blobName,
  permissions: BlobSASPermissions.parse(c.permissions),
  startsOn: new Date(c.startsOn),
  expiresOn: new Date(c.expiresOn),
  protocol: c.protocol,
  version: c.version,
  versionId: c.versionId ?? undefined,
  contentDisposition: c.contentDisposition ?? undefined,
});
