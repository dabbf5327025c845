// Where the add-on's CPU goes per span, from a V8 CPU profile of the traced app's main thread taken
// under the fixed-rate load: every sample is put in one category by the script its function
// belongs to (tracepoint's packages file by file), so the account in BENCHMARKS.md is computed
// from the profile of that run, never typed in.

/** Files of @tracepoint/exporter-clickhouse by the part of the path they are. */
const EXPORTER_FILES = [
  [
    /span-row-encoder|otel-traces-row|otel-traces-binary|span-rows|row-batch|row-binary|column-type|trace-point-fields|date-time-text|well-formed-text/,
    'encoding (exporter rows)',
  ],
  [/clickhouse-connection|table-writer|counted-writes|push-stream|insert-error|deduplication/, 'HTTP client'],
];

/** The category of a script URL, or undefined for Node.js internals (they take their caller's). */
function categoryOfUrl(url) {
  if (url === 'node:zlib') return 'compression (gzip)';
  if (url.startsWith('node:')) return undefined;
  if (/\/node_modules\/@opentelemetry\//.test(url)) return 'SDK (@opentelemetry/*)';
  if (/\/node_modules\/@clickhouse\//.test(url)) return 'HTTP client';
  if (/\/node_modules\/chdb\/|\/packages\/clickhouse-local\//.test(url)) return 'embedded engine (chDB)';
  const workspace = /\/packages\/([^/]+)\/(?:dist\/(?:esm|cjs)\/|src\/)?(.*)$/.exec(url);
  if (workspace) {
    const [, pkg, file] = workspace;
    if (pkg === 'processor-cleaner') return 'cleaner';
    if (pkg === 'processor-aggregator') return 'aggregator';
    if (pkg === 'semantic-mapping') return /^caller/.test(file) ? 'caller processor' : 'mapping';
    if (pkg === 'core') return /resource-settling/.test(file) ? 'resource settling' : 'hand-off';
    if (pkg === 'exporter-clickhouse') {
      for (const [pattern, category] of EXPORTER_FILES) if (pattern.test(file)) return category;
      return 'hand-off';
    }
    return 'hand-off';
  }
  if (url.includes('/bench/')) return 'app and Node.js';
  if (!url.startsWith('file:') && !url.startsWith('/')) return 'V8 (program)';
  return 'other modules';
}

// A Map, not an object literal: a function named toString or constructor must not read Object.prototype's.
const SPECIAL = new Map(
  Object.entries({
    '(garbage collector)': 'GC (main thread)',
    '(program)': 'V8 (program)',
    '(idle)': 'idle',
  }),
);

/**
 * Main-thread time of a profile by category, in ms. A builtin (no script) or a Node.js internal
 * function counts to its nearest caller that has a category, so the package that asked for the
 * work (a Buffer.from, a socket write) carries it; what only Node.js and the app's own code ran
 * is 'app and Node.js'.
 */
export function timeByCategory(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const memo = new Map();
  const categoryOf = (id) => {
    if (memo.has(id)) return memo.get(id);
    const { functionName, url } = nodes.get(id).callFrame;
    let category = SPECIAL.get(functionName) ?? (url ? categoryOfUrl(url) : undefined);
    if (category === undefined) category = parents.has(id) ? categoryOf(parents.get(id)) : 'app and Node.js';
    memo.set(id, category);
    return category;
  };
  // Each sample stands for the time since the previous one.
  const millis = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const category = categoryOf(profile.samples[i]);
    millis.set(category, (millis.get(category) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return millis;
}

/** The categories in the order the account lists them (the path of one span). */
export const ACCOUNT_ORDER = [
  'SDK (@opentelemetry/*)',
  'caller processor',
  'cleaner',
  'resource settling',
  'aggregator',
  'hand-off',
  'mapping',
  'encoding (exporter rows)',
  'compression (gzip)',
  'HTTP client',
  'embedded engine (chDB)',
  'GC (main thread)',
  'V8 (program)',
  'other modules',
  'app and Node.js',
];

/**
 * The account: µs per span by category over `spans` spans, from the profile's main-thread time,
 * plus the process's CPU off the main thread (GC helper threads, libuv's pool: gzip, DNS, fs) as
 * measured from /proc. Shares are of the process's CPU in the window.
 */
export function profileAccount(profile, { spans, requests, cpuMicros, mainThreadCpuMicros }) {
  const millis = timeByCategory(profile);
  const rows = [];
  let sampled = 0;
  for (const category of [
    ...ACCOUNT_ORDER,
    ...[...millis.keys()].filter((c) => !ACCOUNT_ORDER.includes(c)),
  ]) {
    if (category === 'idle') continue;
    const ms = millis.get(category) ?? 0;
    sampled += ms;
    rows.push({ category, microsPerSpan: (ms * 1000) / spans });
  }
  const offMain = Math.max(0, cpuMicros - mainThreadCpuMicros);
  rows.push({
    category: 'off the main thread (GC helpers, libuv pool: gzip)',
    microsPerSpan: offMain / spans,
  });
  const total = rows.reduce((s, r) => s + r.microsPerSpan, 0);
  for (const row of rows) row.share = total > 0 ? row.microsPerSpan / total : 0;
  return {
    spans,
    requests,
    samples: profile.samples.length,
    windowMillis: (profile.endTime - profile.startTime) / 1000,
    sampledMainThreadMicros: sampled * 1000,
    mainThreadCpuMicros,
    cpuMicros,
    microsPerSpan: total,
    rows,
  };
}
