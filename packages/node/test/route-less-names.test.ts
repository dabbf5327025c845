import {
  createEmbeddedClient,
  type LocalHttpServer,
  startLocalHttpServer,
} from '@tracepoint/clickhouse-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legDir, runNodeWithStderr } from '../../../test-support/child-process.js';
import { tempDataDir } from '../../../test-support/data-dir.js';

// A route-less app under the add-on (no http.route: a plain node:http server), sent 3,420
// distinct npm-registry paths; what lands in ClickHouse is read back.
const dataDir = tempDataDir('node-route-less');
let server: LocalHttpServer;
let client: ReturnType<typeof createEmbeddedClient>;
const packageDir = new URL('..', import.meta.url).pathname;
const app = `${packageDir}test/fixtures/route-less-registry-app.mjs`;

beforeAll(async () => {
  server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  client = createEmbeddedClient({ path: dataDir.path });
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  dataDir.remove();
});

async function rows<T>(query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

async function runApp(database: string, extra: Record<string, string> = {}) {
  const { out, err } = await runNodeWithStderr(
    app,
    {
      TRACEPOINT_RESOLVE_FROM: legDir(),
      TRACEPOINT_CLICKHOUSE_URL: server.url,
      TRACEPOINT_CLICKHOUSE_DATABASE: database,
      OTEL_SERVICE_NAME: 'registry',
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
      ...extra,
    },
    ['--import', `${packageDir}register.mjs`],
  );
  expect(JSON.parse(out)).toEqual({ done: true, requests: 3420, paths: 3420 });
  const spans = await rows<{ name: string; n: string }>(
    `SELECT SpanName AS name, count() AS n FROM ${database}.otel_traces WHERE SpanKind = 'Server' GROUP BY name`,
  );
  const endpoints = await rows<{ name: string; n: string }>(
    `SELECT span_name AS name, sum(span_count) AS n FROM ${database}.trace_point_stats
     WHERE stat_type = 'endpoint' GROUP BY name`,
  );
  const methods = await rows<{ method: string }>(
    `SELECT DISTINCT target_method AS method FROM ${database}.trace_points WHERE trace_type = 'call'`,
  );
  return {
    err,
    names: spans.map((s) => s.name).sort(),
    spanCount: spans.reduce((sum, s) => sum + Number(s.n), 0),
    endpoints: endpoints.map((s) => s.name).sort(),
    endpointCount: endpoints.reduce((sum, s) => sum + Number(s.n), 0),
    methods: methods.map((m) => m.method).sort(),
  };
}

// Every shape the app sends, with the literals shape cannot tell (3 package names at position 1,
// 3 dist-tags) left as they are: 23 names for 3,420 paths. The guard would cap each position's
// literals at maxValuesPerPathPosition (100) if there were more of them.
const BUILT_IN_NAMES = [
  'DELETE /-/npm/v1/tokens/token/{id}',
  'GET /-/blobs/{id}',
  'GET /-/ping',
  'GET /-/v1/search',
  'GET /-/whoami',
  'GET /@{scope}%2f{name}',
  'GET /@{scope}/{name}/-/{name}-{version}.tgz',
  'GET /left-pad',
  'GET /left-pad/{version}',
  'GET /tp-demo-a',
  'GET /tp-demo-a/{version}',
  'GET /tp-demo-b',
  'GET /tp-demo-b/{version}',
  'GET /{name}/-/{name}-{version}.tgz',
  ...['left-pad', 'tp-demo-a', 'tp-demo-b'].flatMap((name) =>
    ['beta', 'canary', 'next'].map((tag) => `PUT /-/package/${name}/dist-tags/${tag}`),
  ),
].sort();

describe('a route-less app sent thousands of distinct registry paths', () => {
  it('names its spans, endpoint stats and trace-point methods with a few templates', async () => {
    const run = await runApp('route_less_built_in');
    expect(run.err).not.toContain('tracepoint:');
    expect(run.spanCount).toBe(3420);
    expect(run.names).toEqual(BUILT_IN_NAMES);
    expect(run.endpointCount).toBe(3420);
    expect(run.endpoints).toEqual(BUILT_IN_NAMES);
    expect(run.methods).toEqual(BUILT_IN_NAMES);
  });

  it('TRACEPOINT_PATH_PATTERNS names the paths its templates match, before the built-in rules', async () => {
    const run = await runApp('route_less_patterns', {
      TRACEPOINT_PATH_PATTERNS: ' /-/package/{name}/dist-tags/{tag} , /{package},/{package}/{version}',
    });
    expect(run.err).not.toContain('tracepoint:');
    // `/-/ping` and `/-/whoami` match `/{package}/{version}` too: a template names whatever it matches.
    const names = [
      'DELETE /-/npm/v1/tokens/token/{id}',
      'GET /-/blobs/{id}',
      'GET /-/v1/search',
      'GET /@{scope}/{name}/-/{name}-{version}.tgz',
      'GET /{name}/-/{name}-{version}.tgz',
      'GET /{package}',
      'GET /{package}/{version}',
      'PUT /-/package/{name}/dist-tags/{tag}',
    ];
    expect(run.names).toEqual(names);
    expect(run.endpoints).toEqual(names);
    expect(run.methods).toEqual(names);
    expect(run.spanCount).toBe(3420);
  });

  it('a bad TRACEPOINT_PATH_PATTERNS prints one line naming it, and tracing runs with the built-in rules', async () => {
    const run = await runApp('route_less_bad_patterns', {
      TRACEPOINT_PATH_PATTERNS: '/-/package/{name}/dist-tags/{tag},package/{name}',
    });
    expect(run.err.split('\n').filter((line) => line.includes('tracepoint'))).toEqual([
      'tracepoint: TRACEPOINT_PATH_PATTERNS: "package/{name}" (item 2) must be a path starting with /; tracing runs without TRACEPOINT_PATH_PATTERNS',
    ]);
    expect(run.names).toEqual(BUILT_IN_NAMES);
  });
});
