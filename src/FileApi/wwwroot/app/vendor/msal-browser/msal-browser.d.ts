// The global `msal` that msal-browser.min.js (the pinned package's browser build) defines, typed for tsc by that
// package's own declarations in node_modules; the page loads the script, not this file.
declare const msal: typeof import("@azure/msal-browser");
