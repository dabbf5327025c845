// node --import @tracepoint/node/register app.mjs
// The loader hook lets auto-instrumentations patch ES modules; it is the app's
// own @opentelemetry/instrumentation, resolved like the SDK (see startTracepoint).
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Resolved the way startTracepoint resolves the SDK: TRACEPOINT_RESOLVE_FROM, else the entry script's directory.
const from =
  process.env.TRACEPOINT_RESOLVE_FROM ??
  (process.argv[1] ? dirname(resolve(process.argv[1])) : process.cwd());
try {
  register('@opentelemetry/instrumentation/hook.mjs', pathToFileURL(join(resolve(from), 'noop.js')));
} catch (error) {
  console.error(
    `tracepoint: ES modules will not be instrumented: ${error instanceof Error ? error.message : error}`,
  );
}
const { startTracepoint } = await import('./dist/esm/index.js');
startTracepoint();
