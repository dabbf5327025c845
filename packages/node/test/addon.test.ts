import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createEmbeddedClient,
  type LocalHttpServer,
  startLocalHttpServer,
} from '@tracepoint/clickhouse-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legDir, runNodeWithStderr, startNode } from '../../../test-support/child-process.js';
import { tempDataDir } from '../../../test-support/data-dir.js';

const dataDir = tempDataDir('node-addon');
let server: LocalHttpServer;
let client: ReturnType<typeof createEmbeddedClient>;
const packageDir = new URL('..', import.meta.url).pathname;

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

const apps = [
  { kind: 'esm', flag: '--import', register: 'register.mjs', app: 'app.mjs' },
  { kind: 'cjs', flag: '--require', register: 'register.cjs', app: 'app.cjs' },
];

describe.each(apps)('the add-on on an $kind app', ({ kind, flag, register, app }) => {
  it('traces an app with no tracing code into ClickHouse, configured by the environment', async () => {
    const database = `addon_${kind}`;
    const { out, err } = await runNodeWithStderr(
      `${packageDir}test/fixtures/${app}`,
      {
        TRACEPOINT_RESOLVE_FROM: legDir(),
        TRACEPOINT_CLICKHOUSE_URL: server.url,
        TRACEPOINT_CLICKHOUSE_DATABASE: database,
        TRACEPOINT_AGGREGATOR_INTERVAL_MS: '1000',
        OTEL_SERVICE_NAME: `shop-${kind}`,
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
      },
      [flag, `${packageDir}${register}`],
    );
    expect(out).toContain('"done":true');
    expect(err).not.toContain('tracepoint:');
    const spans = await rows<{ SpanKind: string; SpanName: string; ServiceName: string; env: string }>(
      `SELECT SpanKind, SpanName, ServiceName, ResourceAttributes['deployment.environment.name'] AS env
       FROM ${database}.otel_traces ORDER BY SpanKind, SpanName`,
    );
    const servers = spans.filter((s) => s.SpanKind === 'Server');
    // The probe's server span is dropped by the cleaner; the three others stay, named by their templated path.
    expect(servers.map((s) => s.SpanName).sort()).toEqual([
      'GET /boom',
      'GET /orders/{id}',
      'GET /orders/{id}',
    ]);
    expect(spans.filter((s) => s.SpanKind === 'Client')).toHaveLength(4);
    expect(new Set(spans.map((s) => `${s.ServiceName}/${s.env}`))).toEqual(new Set([`shop-${kind}/test`]));
    const [stats] = await rows<{ n: string }>(
      `SELECT sum(span_count) AS n FROM ${database}.trace_point_stats WHERE stat_type = 'endpoint'`,
    );
    expect(Number(stats?.n)).toBe(7);
  });
});

describe('OTEL_TRACES_EXPORTER=otlp', () => {
  it('sends the same cleaned spans to an OTLP/HTTP receiver and to ClickHouse', async () => {
    const database = 'addon_otlp';
    // A real OTLP/HTTP JSON receiver on loopback.
    const bodies: {
      resourceSpans: { scopeSpans: { spans: { name: string; traceId: string; kind: number }[] }[] }[];
    }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const { out, err } = await runNodeWithStderr(
        `${packageDir}test/fixtures/app.mjs`,
        {
          TRACEPOINT_RESOLVE_FROM: legDir(),
          TRACEPOINT_CLICKHOUSE_URL: server.url,
          TRACEPOINT_CLICKHOUSE_DATABASE: database,
          OTEL_SERVICE_NAME: 'shop-otlp',
          OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`,
        },
        ['--import', `${packageDir}register.mjs`],
      );
      expect(out).toContain('"done":true');
      expect(err).not.toContain('tracepoint:');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
    const otlp = bodies.flatMap((body) =>
      body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((scope) => scope.spans)),
    );
    const stored = await rows<{ SpanName: string; TraceId: string; SpanKind: string }>(
      `SELECT SpanName, TraceId, SpanKind FROM ${database}.otel_traces`,
    );
    // Server spans: the cleaner ran first, so OTLP gets the templated names and no probe.
    const serverNames = (names: string[]) => names.sort();
    expect(serverNames(otlp.filter((span) => span.kind === 2).map((span) => span.name))).toEqual([
      'GET /boom',
      'GET /orders/{id}',
      'GET /orders/{id}',
    ]);
    expect(
      serverNames(stored.filter((span) => span.SpanKind === 'Server').map((span) => span.SpanName)),
    ).toEqual(serverNames(otlp.filter((span) => span.kind === 2).map((span) => span.name)));
    expect(new Set(otlp.map((span) => span.traceId))).toEqual(new Set(stored.map((span) => span.TraceId)));
    expect(otlp).toHaveLength(stored.length);
  });
});

describe('shutdown', () => {
  it('flushes on SIGTERM and exits as the signal would', async () => {
    const database = 'addon_sigterm';
    const { child } = await startNode<{ ready: boolean }>(
      `${packageDir}test/fixtures/long-running-app.mjs`,
      {
        TRACEPOINT_RESOLVE_FROM: legDir(),
        TRACEPOINT_CLICKHOUSE_URL: server.url,
        TRACEPOINT_CLICKHOUSE_DATABASE: database,
        OTEL_SERVICE_NAME: 'long-running',
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
        // No timer flushes within the test: what arrives was flushed by the signal.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        TRACEPOINT_AGGREGATOR_INTERVAL_MS: '600000',
      },
      ['--import', `${packageDir}register.mjs`],
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    const [spans] = await rows<{ n: string }>(
      `SELECT count() AS n FROM ${database}.otel_traces WHERE SpanKind = 'Server'`,
    );
    expect(Number(spans?.n)).toBe(2);
    const [stats] = await rows<{ n: string }>(
      `SELECT sum(span_count) AS n FROM ${database}.trace_point_stats WHERE stat_type = 'endpoint'`,
    );
    expect(Number(stats?.n)).toBe(4);
  });
});

describe('bad configuration', () => {
  it('prints one line, leaves tracing off, and the app runs', async () => {
    const { out, err } = await runNodeWithStderr(
      `${packageDir}test/fixtures/app.mjs`,
      {
        TRACEPOINT_RESOLVE_FROM: legDir(),
        TRACEPOINT_CLEANER: 'sometimes',
        TRACEPOINT_CLICKHOUSE_URL: server.url,
      },
      ['--import', `${packageDir}register.mjs`],
    );
    expect(out).toContain('"done":true');
    const lines = err.split('\n').filter((line) => line.includes('tracepoint'));
    expect(lines).toEqual([
      'tracepoint: tracing is off: TRACEPOINT_CLEANER must be on or off, got sometimes',
    ]);
  });
});
