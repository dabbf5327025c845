// Where a piece of work spends its CPU, from V8's sampling profiler in this process, as shares of
// self time by package, so a report states the profile of its own run instead of a typed-in one.
import { Session } from 'node:inspector/promises';
import { basename } from 'node:path';

/** Runs `work` (synchronous) under the CPU profiler; resolves with the V8 profile. */
export async function cpuProfile(work, { intervalMicros = 100 } = {}) {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
    await session.post('Profiler.start');
    let profile;
    try {
      work();
    } finally {
      ({ profile } = await session.post('Profiler.stop'));
    }
    await session.post('Profiler.disable');
    return profile;
  } finally {
    session.disconnect();
  }
}

const WORKSPACE_PACKAGE = /\/packages\/([^/]+)\//;
const NODE_MODULE = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

/** The package a script belongs to: `@tracepoint/<dir>` for the workspace, the npm name, or a kind. */
function packageOf(url) {
  if (url.startsWith('node:')) return 'Node.js internals';
  const dependency = NODE_MODULE.exec(url);
  if (dependency) return dependency[1].startsWith('@opentelemetry/') ? '@opentelemetry/*' : dependency[1];
  const workspace = WORKSPACE_PACKAGE.exec(url);
  if (workspace) return `@tracepoint/${workspace[1]}`;
  if (url.includes('/bench/')) return 'benchmark harness';
  return 'other';
}

// A Map, not an object literal: a function named toString or constructor must not read Object.prototype's.
const SPECIAL = new Map(
  Object.entries({ '(garbage collector)': 'GC', '(program)': 'V8 (program)', '(idle)': 'idle' }),
);

/**
 * Self time of a profile by package and, within each, by file. A function without a script (a
 * builtin such as JSON.stringify or Buffer.from) is counted to its nearest caller that has one,
 * so the package that asked for the work carries it. Shares are of all samples.
 */
export function selfTimeByPackage(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const places = new Map();
  const placeOf = (id) => {
    let place = places.get(id);
    if (place !== undefined) return place;
    const { functionName, url } = nodes.get(id).callFrame;
    if (SPECIAL.has(functionName)) place = { pkg: SPECIAL.get(functionName), file: '' };
    else if (url) place = { pkg: packageOf(url), file: basename(new URL(url, 'file:///').pathname) };
    else if (parents.has(id)) place = placeOf(parents.get(id));
    else place = { pkg: 'other', file: '' };
    places.set(id, place);
    return place;
  };
  const byPackage = new Map();
  for (const id of profile.samples) {
    const { pkg, file } = placeOf(id);
    let entry = byPackage.get(pkg);
    if (entry === undefined) {
      entry = { samples: 0, files: new Map() };
      byPackage.set(pkg, entry);
    }
    entry.samples++;
    if (file) entry.files.set(file, (entry.files.get(file) ?? 0) + 1);
  }
  const total = Math.max(profile.samples.length, 1);
  const packages = [...byPackage]
    .map(([name, entry]) => ({
      name,
      share: entry.samples / total,
      files: [...entry.files]
        .map(([file, samples]) => ({ file, share: samples / total }))
        .sort((a, b) => b.share - a.share),
    }))
    .sort((a, b) => b.share - a.share);
  return { samples: profile.samples.length, millis: (profile.endTime - profile.startTime) / 1000, packages };
}
