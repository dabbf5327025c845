// node --import @tracepoint/node/register app.mjs
// The loader hook lets auto-instrumentations patch ES modules (in this thread where Node.js can); it wraps only the
// modules they name, and it is the app's own import-in-the-middle (see registerEsmHook).
import { registerEsmHook, startTracepoint } from './dist/esm/index.js';

const hook = registerEsmHook();
startTracepoint();
// The instrumentations sent their module names while the SDK started; the app's imports wait for the loader to have them.
await hook?.ready();
