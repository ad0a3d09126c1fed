// The vendored build's types are those of the package it was copied from (pinned in package.json, in node_modules).
export * from "openapi-fetch";
export { default } from "openapi-fetch";
