#!/usr/bin/env node
// tracepoint dashboard|store|query|replay [...]: see `tracepoint --help`.
const { runCli } = await import('../dist/esm/internal.js');
process.exitCode = await runCli(process.argv.slice(2));
