// Prints, for each case, the user delegation SAS the official JS SDK computes: its string-to-sign, signature and
// query parameters, as a JSON array.
// Usage: node user-delegation-sas.js '<json: { accountName, key: { ..., value: base64 }, cases: [...] }>'
const path = require("node:path");
const { generateBlobSASQueryParameters } = require("@azure/storage-blob");
const { blobSasValues } = require("./sas-values.js");
// The public function returns only the parameters; the SDK's internal twin also returns the string-to-sign, which
// shows where a mismatch is. It lives in the same module file as the public one.
const { generateBlobSASQueryParametersInternal } = require(
  path.join(path.dirname(require.resolve("@azure/storage-blob")), "sas", "BlobSASSignatureValues.js"),
);

const { accountName, key, cases } = JSON.parse(process.argv[2]);
const userDelegationKey = {
  signedObjectId: key.objectId,
  signedTenantId: key.tenantId,
  signedStartsOn: new Date(key.startsOn),
  signedExpiresOn: new Date(key.expiresOn),
  signedService: key.service,
  signedVersion: key.version,
  value: key.value,
};
const results = cases.map((c) => {
  const values = blobSasValues(c);
  const parameters = generateBlobSASQueryParameters(values, userDelegationKey, accountName);
  const { stringToSign } = generateBlobSASQueryParametersInternal(values, userDelegationKey, accountName);
  return { stringToSign, signature: parameters.signature, query: parameters.toString() };
});
console.log(JSON.stringify(results));
