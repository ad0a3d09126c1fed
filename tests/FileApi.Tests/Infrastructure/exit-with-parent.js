// Preloaded into Azurite (node --require): the test run holds our stdin open, so when that run ends in any way,
// even killed before it could stop us, stdin closes and this process exits instead of living on.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
