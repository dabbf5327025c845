// node --require @tracepoint/node/register app.js
require('./dist/cjs/index.js').startTracepoint();
