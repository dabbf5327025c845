import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import * as nodeModule from 'node:module';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  createEmbeddedClient,
  type LocalHttpServer,
  startLocalHttpServer,
} from '@tracepoint/clickhouse-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legDir, runNodeWithStderr, startNode } from '../../../test-support/child-process.js';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { freePort } from '../../../test-support/free-port.js';
import { fetchWhenListening, startVerdaccio } from '../../../test-support/verdaccio.js';

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

/** How a child process ended. */
function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
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

describe('ES modules under --import', () => {
  const register = ['--import', `${packageDir}register.mjs`];

  it('leaves an `export let` that its module reassigns later live for importers', async () => {
    const database = 'addon_late_logger';
    const { out, err } = await runNodeWithStderr(
      `${packageDir}test/fixtures/late-logger-app.mjs`,
      {
        TRACEPOINT_RESOLVE_FROM: legDir(),
        TRACEPOINT_CLICKHOUSE_URL: server.url,
        TRACEPOINT_CLICKHOUSE_DATABASE: database,
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
      },
      register,
    );
    expect(out).toContain('{"info":"started"}');
    expect(out).toContain('"done":true');
    expect(err).not.toContain('tracepoint:');
    const spans = await rows<{ SpanName: string }>(
      `SELECT SpanName FROM ${database}.otel_traces WHERE SpanKind = 'Server'`,
    );
    expect(spans.map((span) => span.SpanName)).toEqual(['GET /items/{id}']);
  });

  it.each([
    { hook: 'on', routeName: 'GET /orders/:id', expressSpans: 2 },
    { hook: 'off', routeName: 'GET /orders/{id}', expressSpans: 0 },
  ])(
    'an express app imported as ES modules gets its route spans with the hook (TRACEPOINT_ESM_HOOK=$hook)',
    async ({ hook, routeName, expressSpans }) => {
      const database = `addon_esm_express_${hook}`;
      // The app's own directory, its node_modules the leg's: the add-on resolves from the entry script.
      const appDir = tempDataDir('esm-express');
      try {
        copyFileSync(`${packageDir}test/fixtures/express-app.mjs`, join(appDir.path, 'app.mjs'));
        symlinkSync(join(legDir(), 'node_modules'), join(appDir.path, 'node_modules'));
        const { out, err } = await runNodeWithStderr(
          join(appDir.path, 'app.mjs'),
          {
            TRACEPOINT_CLICKHOUSE_URL: server.url,
            TRACEPOINT_CLICKHOUSE_DATABASE: database,
            TRACEPOINT_ESM_HOOK: hook,
            OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express',
          },
          register,
        );
        expect(out).toContain('"done":true');
        expect(err).not.toContain('tracepoint:');
      } finally {
        appDir.remove();
      }
      const spans = await rows<{ SpanKind: string; SpanName: string; ScopeName: string }>(
        `SELECT SpanKind, SpanName, ScopeName FROM ${database}.otel_traces`,
      );
      // express names the server span by its route; without the hook the cleaner templates the path.
      expect(spans.filter((span) => span.SpanKind === 'Server').map((span) => span.SpanName)).toEqual([
        routeName,
        routeName,
      ]);
      expect(
        spans.filter((span) => span.ScopeName === '@opentelemetry/instrumentation-express'),
      ).toHaveLength(expressSpans);
    },
  );

  it('runs the loader in the app thread where Node.js can (module.registerHooks): no hooks thread and its isolate', async () => {
    const threads = async (hook: string) => {
      const { out } = await runNodeWithStderr(
        `${packageDir}test/fixtures/thread-count-app.mjs`,
        {
          TRACEPOINT_RESOLVE_FROM: legDir(),
          TRACEPOINT_CLICKHOUSE_URL: server.url,
          TRACEPOINT_CLICKHOUSE_DATABASE: 'addon_thread_count',
          TRACEPOINT_ESM_HOOK: hook,
          OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
        },
        register,
      );
      return (JSON.parse(out.trim().split('\n').pop() as string) as { threads: number }).threads;
    };
    // Whether this Node.js runs the app's import-in-the-middle in-thread, by that copy's own test.
    const fromLeg = createRequire(join(legDir(), 'package.json'));
    const fromInstrumentation = createRequire(
      createRequire(fromLeg.resolve('@opentelemetry/auto-instrumentations-node')).resolve(
        '@opentelemetry/instrumentation',
      ),
    );
    const { supportsSyncHooks } = (await import(
      fromInstrumentation.resolve('import-in-the-middle/supports-sync-hooks.mjs')
    )) as { supportsSyncHooks(): boolean };
    const inThread =
      typeof (nodeModule as { registerHooks?: unknown }).registerHooks === 'function' && supportsSyncHooks();
    expect((await threads('on')) - (await threads('off'))).toBe(inThread ? 0 : 1);
  });

  it('prints one line naming tracepoint and what to do when the hook cannot be registered, and the app runs', async () => {
    // An install without @opentelemetry/instrumentation: an auto-instrumentations package with no instrumentations.
    const appDir = tempDataDir('esm-no-instrumentation');
    try {
      const auto = join(appDir.path, 'node_modules/@opentelemetry/auto-instrumentations-node');
      mkdirSync(auto, { recursive: true });
      writeFileSync(
        join(auto, 'package.json'),
        '{"name":"@opentelemetry/auto-instrumentations-node","main":"index.js"}',
      );
      writeFileSync(join(auto, 'index.js'), 'exports.getNodeAutoInstrumentations = () => [];\n');
      symlinkSync(
        join(legDir(), 'node_modules/@opentelemetry/sdk-node'),
        join(appDir.path, 'node_modules/@opentelemetry/sdk-node'),
      );
      copyFileSync(`${packageDir}test/fixtures/late-logger-app.mjs`, join(appDir.path, 'app.mjs'));
      copyFileSync(`${packageDir}test/fixtures/late-logger.mjs`, join(appDir.path, 'late-logger.mjs'));
      const { out, err } = await runNodeWithStderr(
        join(appDir.path, 'app.mjs'),
        { TRACEPOINT_CLICKHOUSE_URL: server.url, TRACEPOINT_CLICKHOUSE_DATABASE: 'addon_esm_hook_failed' },
        register,
      );
      expect(out).toContain('"done":true');
      expect(err.split('\n').filter((line) => line.includes('tracepoint'))).toEqual([
        "tracepoint: ES modules will not be instrumented (found no @opentelemetry/instrumentation next to the app's auto-instrumentations); fix that, or set TRACEPOINT_ESM_HOOK=off to silence this",
      ]);
    } finally {
      appDir.remove();
    }
  });

  // verdaccio 6.10 needs Node.js 22 or later: leg 3 runs it.
  it.skipIf(Number(process.versions.node.split('.')[0]) < 22)(
    'starts verdaccio (an ES module app with `export let` loggers): it answers its ping, and the ping span lands at SIGTERM',
    async () => {
      const storage = tempDataDir('verdaccio');
      const config = join(storage.path, 'config.yaml');
      writeFileSync(
        config,
        [
          'storage: ./storage',
          'auth: { htpasswd: { file: ./htpasswd } }',
          'uplinks: {}',
          "packages: { '**': { access: $all } }",
          // Only the "http address" line is logged at warn on Node.js 24: the first line startNode reads.
          'log: { type: stdout, format: json, level: warn }',
          '',
        ].join('\n'),
      );
      const { first, child } = await startVerdaccio(
        {
          TRACEPOINT_RESOLVE_FROM: legDir(),
          TRACEPOINT_CLICKHOUSE_URL: server.url,
          TRACEPOINT_CLICKHOUSE_DATABASE: 'addon_verdaccio',
          OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express',
        },
        register,
        ['--config', config, '--listen', `127.0.0.1:${await freePort()}`],
      );
      const exited = exitOf(child);
      try {
        expect((await fetchWhenListening(`${first.addr}-/ping`)).status).toBe(200);
        // verdaccio's lockfile loads signal-exit: its ping span must still land at SIGTERM.
        child.kill('SIGTERM');
        expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
      } finally {
        child.kill('SIGKILL');
        storage.remove();
      }
      const spans = await rows<{ SpanName: string }>(
        `SELECT SpanName FROM addon_verdaccio.otel_traces WHERE SpanKind = 'Server'`,
      );
      expect(spans.map((span) => span.SpanName)).toEqual(['GET /-/ping']);
    },
  );
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
          // Each span is serialized for OTLP inside its own end: cleaning it later (deferred) would be too late.
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1',
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

describe('OTEL_METRICS_EXPORTER=otlp', () => {
  it("sends tracepoint's exporter counters (spill ones included) to the SDK's OTLP/HTTP metrics receiver", async () => {
    // A real OTLP/HTTP JSON receiver on loopback; NodeSDK's MeterProvider exports to it at shutdown.
    const names = new Map<string, number>();
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/metrics') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            resourceMetrics: {
              scopeMetrics: {
                metrics: {
                  name: string;
                  sum?: { dataPoints: { asInt?: string | number; asDouble?: number }[] };
                }[];
              }[];
            }[];
          };
          for (const metric of body.resourceMetrics.flatMap((r) =>
            r.scopeMetrics.flatMap((s) => s.metrics),
          )) {
            const point = metric.sum?.dataPoints[0];
            names.set(metric.name, Number(point?.asInt ?? point?.asDouble ?? Number.NaN));
          }
        }
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const spillDir = join(dataDir.path, 'metrics-spill');
    try {
      const { out, err } = await runNodeWithStderr(
        `${packageDir}test/fixtures/app.mjs`,
        {
          TRACEPOINT_RESOLVE_FROM: legDir(),
          TRACEPOINT_CLICKHOUSE_URL: server.url,
          TRACEPOINT_CLICKHOUSE_DATABASE: 'addon_metrics',
          TRACEPOINT_SPILL_DIR: spillDir,
          OTEL_SERVICE_NAME: 'shop-metrics',
          OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/metrics`,
        },
        ['--import', `${packageDir}register.mjs`],
      );
      expect(out).toContain('"done":true');
      expect(err).not.toContain('tracepoint:');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
    expect([...names.keys()]).toEqual(
      expect.arrayContaining([
        'tracepoint.exporter.spans.exported',
        'tracepoint.exporter.inserts',
        'tracepoint.exporter.spill.rows',
        'tracepoint.exporter.spill.replayed.rows',
      ]),
    );
    expect(names.get('tracepoint.exporter.spill.rows')).toBe(0);
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
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    const [spans] = await rows<{ n: string }>(
      `SELECT count() AS n FROM ${database}.otel_traces WHERE SpanKind = 'Server'`,
    );
    expect(Number(spans?.n)).toBe(2);
    const [stats] = await rows<{ n: string }>(
      `SELECT sum(span_count) AS n FROM ${database}.trace_point_stats WHERE stat_type = 'endpoint'`,
    );
    expect(Number(stats?.n)).toBe(4);
  });

  // The app's own signal handling; each handler prints one line per run (see signal-app.cjs).
  const handlers = [
    { handler: 'none', exitsBy: 'signal', lines: () => [] },
    { handler: 'signal-exit-v3', exitsBy: 'signal', lines: (signal: string) => [{ exitCallback: signal }] },
    { handler: 'signal-exit-v4', exitsBy: 'signal', lines: (signal: string) => [{ exitCallback: signal }] },
    { handler: 'exit', exitsBy: 'code 0', lines: (signal: string) => [{ handler: signal }] },
  ] as const;
  const cases = handlers.flatMap((each) =>
    (['SIGTERM', 'SIGINT'] as const).map((signal) => ({ ...each, signal })),
  );

  it.each(cases)(
    "with $handler as the app's handler, $signal lands every span and stats row, runs the handler once and exits by the $exitsBy",
    async ({ handler, signal, exitsBy, lines }) => {
      const database = `addon_${signal.toLowerCase()}_${handler.replaceAll('-', '_')}`;
      const { child } = await startNode<{ ready: boolean }>(
        `${packageDir}test/fixtures/signal-app.cjs`,
        {
          SIGNAL_HANDLER: handler,
          TRACEPOINT_RESOLVE_FROM: legDir(),
          TRACEPOINT_CLICKHOUSE_URL: server.url,
          TRACEPOINT_CLICKHOUSE_DATABASE: database,
          OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
          OTEL_BSP_SCHEDULE_DELAY: '600000',
          TRACEPOINT_AGGREGATOR_INTERVAL_MS: '600000',
        },
        ['--require', `${packageDir}register.cjs`],
      );
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      const exited = exitOf(child);
      child.kill(signal);
      expect(await exited).toEqual(exitsBy === 'signal' ? { code: null, signal } : { code: 0, signal: null });
      expect(
        out
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line)),
      ).toEqual(lines(signal));
      // Four requests the app made to itself: four server and four client spans.
      const [spans] = await rows<{ n: string }>(`SELECT count() AS n FROM ${database}.otel_traces`);
      expect(Number(spans?.n)).toBe(8);
      const [stats] = await rows<{ n: string }>(
        `SELECT sum(span_count) AS n FROM ${database}.trace_point_stats WHERE stat_type = 'endpoint'`,
      );
      expect(Number(stats?.n)).toBe(8);
    },
  );

  it('a second signal while the flush waits on servers that never answer ends the process at once, by that signal', async () => {
    // Takes requests and never answers them: the flush would wait for exportTimeoutMillis (30 s).
    let flushing: () => void = () => undefined;
    const flushStarted = new Promise<void>((resolve) => {
      flushing = resolve;
    });
    const silent = createServer((req) => {
      // OTLP gets its first spans when the signal's flush starts (the batch delay is 10 minutes).
      if (req.url === '/v1/traces') flushing();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const { child } = await startNode<{ ready: boolean }>(
        `${packageDir}test/fixtures/signal-app.cjs`,
        {
          SIGNAL_HANDLER: 'none',
          TRACEPOINT_RESOLVE_FROM: legDir(),
          TRACEPOINT_CLICKHOUSE_URL: base,
          OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
          OTEL_BSP_SCHEDULE_DELAY: '600000',
          // No OTEL_BSP_MAX_EXPORT_BATCH_SIZE=1 here: each span would go to OTLP as it ends, before the
          // SIGINT, and the second signal would race the first (the test failed 1 run in 3).
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${base}/v1/traces`,
        },
        ['--require', `${packageDir}register.cjs`],
      );
      const exited = exitOf(child);
      child.kill('SIGINT');
      await flushStarted;
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('bad configuration', () => {
  it.each([
    ['TRACEPOINT_CLEANER', 'sometimes'],
    ['TRACEPOINT_ESM_HOOK', 'maybe'],
  ])('a bad %s prints one line, leaves tracing off, and the app runs', async (name, value) => {
    const { out, err } = await runNodeWithStderr(
      `${packageDir}test/fixtures/app.mjs`,
      {
        TRACEPOINT_RESOLVE_FROM: legDir(),
        [name]: value,
        TRACEPOINT_CLICKHOUSE_URL: server.url,
      },
      ['--import', `${packageDir}register.mjs`],
    );
    expect(out).toContain('"done":true');
    const lines = err.split('\n').filter((line) => line.includes('tracepoint'));
    expect(lines).toEqual([`tracepoint: tracing is off: ${name} must be on or off, got ${value}`]);
  });
});
