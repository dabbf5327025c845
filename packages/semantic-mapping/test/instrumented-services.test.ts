import type { AddressInfo } from 'node:net';
import { propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToNanoString } from '@tracepoint/core';
import {
  CallerPropagator,
  CallerSpanProcessor,
  mapSpan,
  type TracePoint,
} from '@tracepoint/semantic-mapping';
import {
  ExpressInstrumentation,
  HttpInstrumentation,
  InMemorySpanExporter,
  IORedisInstrumentation,
  legRequire,
  type ReadableSpan,
  simpleSpanProcessor,
  UndiciInstrumentation,
  W3CTraceContextPropagator,
} from '@tracepoint-internal/otel-line';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { legDir, startNode } from '../../../test-support/child-process.js';
import { type RunningRedis, startRedis } from '../../../test-support/redis-server.js';
import { edgesOf } from '../../../test-support/trace-points.js';
import { startTracing, type TestTracing } from '../../../test-support/tracing.js';

// Real instrumentations driving real servers in this process: fetch (undici)
// -> node:http server -> express -> ioredis -> a real redis-server; and a
// handler that throws. Each test asserts the exact trace points.

interface Server {
  close(cb: () => void): void;
  address(): AddressInfo | string | null;
}

let tracing: TestTracing;
let exporter: InstanceType<typeof InMemorySpanExporter>;
let redis: RunningRedis;
let redisClient: {
  get(key: string): Promise<string | null>;
  set(key: string, v: string): Promise<unknown>;
  quit(): Promise<unknown>;
};
let server: Server;
let base: string;
let port: number;

beforeAll(async () => {
  redis = await startRedis();
  exporter = new InMemorySpanExporter();
  tracing = startTracing({
    serviceName: 'shop',
    spanProcessors: [new CallerSpanProcessor(), simpleSpanProcessor(exporter)],
    instrumentations: [
      new HttpInstrumentation(),
      new UndiciInstrumentation(),
      new ExpressInstrumentation(),
      new IORedisInstrumentation(),
    ],
    propagator: new CallerPropagator({ propagator: new W3CTraceContextPropagator() }),
  });
  // Loaded after registration so the instrumentations patch them.
  legRequire('node:http');
  const express = legRequire('express');
  const Redis = legRequire('ioredis');
  redisClient = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: false });
  await redisClient.set('order:42', 'pending');
  const app = express();
  app.get('/orders/:id', async (req: { params: { id: string } }, res: { json(v: unknown): void }) => {
    const state = await redisClient.get(`order:${req.params.id}`);
    res.json({ id: req.params.id, state });
  });
  app.get('/boom', () => {
    throw new TypeError('kaboom');
  });
  await new Promise<void>((done) => {
    server = app.listen(0, '127.0.0.1', () => done());
  });
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  await redisClient.quit();
  await tracing.stop();
  await redis.stop();
});

beforeEach(() => {
  exporter.reset();
});

async function settled(): Promise<ReadableSpan[]> {
  await tracing.provider.forceFlush();
  return exporter.getFinishedSpans();
}

function only(spans: ReadableSpan[], name: string, kind: SpanKind): ReadableSpan {
  const found = spans.filter((span) => span.name === name && span.kind === kind);
  expect(found, `${name} (${SpanKind[kind]}) among ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0] as ReadableSpan;
}

interface Expected {
  source: string;
  target: string;
  sourceMethod: string;
  targetMethod: string;
  params: Record<string, string>;
  statusCode?: TracePoint['statusCode'];
  exception?: TracePoint['exception'];
}

/** The call and response of a span, built from its own ids and times: what mapSpan must produce. */
function callAndResponse(span: ReadableSpan, e: Expected): TracePoint[] {
  const ids = {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    params: e.params,
  };
  return [
    {
      traceType: 'call',
      timestamp: hrTimeToNanoString(span.startTime),
      sourceComponent: e.source,
      targetComponent: e.target,
      sourceMethod: e.sourceMethod,
      targetMethod: e.targetMethod,
      ...ids,
      durationNs: '0',
      statusCode: 'Unset',
      exception: undefined,
    },
    {
      traceType: 'response',
      timestamp: hrTimeToNanoString(span.endTime),
      sourceComponent: e.target,
      targetComponent: e.source,
      sourceMethod: e.targetMethod,
      targetMethod: e.sourceMethod,
      ...ids,
      durationNs: hrTimeToNanoString(span.duration),
      statusCode: e.statusCode ?? 'Unset',
      exception: undefined,
    },
  ];
}

const ordersRoute = '/orders/:id';

describe('trace points from real instrumentations (fetch -> node:http -> express -> ioredis -> redis-server)', () => {
  it('a traced call chain maps to exact calls and responses, naming the caller through the propagator', async () => {
    let rootSpanId = '';
    await tracing.tracer.startActiveSpan('checkout', async (root) => {
      rootSpanId = root.spanContext().spanId;
      const res = await fetch(`${base}/orders/42?debug=1`);
      expect(await res.json()).toEqual({ id: '42', state: 'pending' });
      root.end();
    });
    const spans = await settled();
    const checkout = only(spans, 'checkout', SpanKind.INTERNAL);
    const client = only(spans, 'GET', SpanKind.CLIENT);
    const serverSpan = only(spans, `GET ${ordersRoute}`, SpanKind.SERVER);
    const redisGet = only(spans, 'get', SpanKind.CLIENT);
    expect(client.parentSpanContext?.spanId).toBe(rootSpanId);

    // INTERNAL spans give no points by default (internalSpans: 'none').
    expect(mapSpan(checkout)).toEqual([]);
    expect(mapSpan(checkout, { internalSpans: 'calls' })).toEqual(
      callAndResponse(checkout, {
        source: 'shop',
        target: 'shop',
        sourceMethod: 'unknown',
        targetMethod: 'checkout',
        params: {},
      }),
    );

    // fetch: the peer is named by server.address:port, the method by verb + templated path (no route on a client).
    expect(mapSpan(client)).toEqual(
      callAndResponse(client, {
        source: 'shop',
        target: `127.0.0.1:${port}`,
        sourceMethod: 'checkout',
        targetMethod: 'GET /orders/{id}',
        params: {
          'http.request.method': 'GET',
          'http.response.status_code': '200',
          'url.scheme': 'http',
          'network.protocol.version': '1.1',
          'server.address': '127.0.0.1',
          'server.port': String(port),
        },
      }),
    );

    // node:http server: the route template from express; the caller from the propagated tracestate entry.
    expect(mapSpan(serverSpan)).toEqual(
      callAndResponse(serverSpan, {
        source: 'shop',
        target: 'shop',
        sourceMethod: 'checkout',
        targetMethod: `GET ${ordersRoute}`,
        params: {
          'http.request.method': 'GET',
          'http.route': ordersRoute,
          'http.response.status_code': '200',
          'url.scheme': 'http',
          'network.protocol.version': '1.1',
          'server.address': '127.0.0.1',
          'server.port': String(port),
        },
      }),
    );
    // The entry never reaches stored spans or a second hop.
    expect(serverSpan.spanContext().traceState?.get('tracepoint')).toBeUndefined();

    // ioredis: the database is the peer, the command the method, called from the route's handler.
    expect(mapSpan(redisGet)).toEqual(
      callAndResponse(redisGet, {
        source: 'shop',
        target: 'redis',
        sourceMethod: `GET ${ordersRoute}`,
        targetMethod: 'get',
        params: {
          'server.address': '127.0.0.1',
          'server.port': String(redis.port),
          'db.system.name': 'redis',
          'db.operation.name': 'get',
        },
      }),
    );
  });

  it('a handler that throws gives an exception point with type, message and stack, and error responses', async () => {
    const res = await fetch(`${base}/boom`);
    expect(res.status).toBe(500);
    await res.text();
    const spans = await settled();
    const handler = only(spans, 'request handler', SpanKind.INTERNAL);
    const serverSpan = only(spans, 'GET /boom', SpanKind.SERVER);
    const client = only(spans, 'GET', SpanKind.CLIENT);

    const thrown = handler.events.find((event) => event.name === 'exception');
    expect(thrown).toBeDefined();
    const stack = String(thrown?.attributes?.['exception.stacktrace']);
    expect(stack).toMatch(/^TypeError: kaboom\n\s+at /);
    expect(mapSpan(handler)).toEqual([
      {
        traceType: 'exception',
        timestamp: hrTimeToNanoString(thrown?.time ?? [0, 0]),
        sourceComponent: 'shop',
        targetComponent: 'shop',
        sourceMethod: 'request handler',
        targetMethod: 'GET /boom',
        traceId: handler.spanContext().traceId,
        spanId: handler.spanContext().spanId,
        parentSpanId: serverSpan.spanContext().spanId,
        durationNs: '0',
        statusCode: statusName(handler.status.code),
        params: { 'http.route': '/boom' },
        exception: { type: 'TypeError', message: 'kaboom', stacktrace: stack },
      },
    ]);

    // The server answered 500: status ERROR without an exception event on its span -> one exception point.
    expect(serverSpan.status.code).toBe(SpanStatusCode.ERROR);
    const serverPoints = mapSpan(serverSpan);
    expect(serverPoints.map((p) => p.traceType)).toEqual(['call', 'exception', 'response']);
    expect(serverPoints[1]).toMatchObject({
      sourceComponent: 'shop',
      targetComponent: 'shop',
      sourceMethod: 'GET /boom',
      targetMethod: 'unknown',
      timestamp: hrTimeToNanoString(serverSpan.endTime),
      statusCode: 'Error',
      exception: {
        type: String(serverSpan.attributes['error.type'] ?? 'Error'),
        message: serverSpan.status.message || String(serverSpan.attributes['error.type'] ?? ''),
        stacktrace: '',
      },
    });
    expect(serverPoints[2]).toMatchObject({
      traceType: 'response',
      statusCode: 'Error',
      sourceMethod: 'GET /boom',
    });

    // The fetch saw a 500: error.type '500' on an ERROR client span.
    expect(client.status.code).toBe(SpanStatusCode.ERROR);
    expect(mapSpan(client)[1]).toMatchObject({
      traceType: 'exception',
      sourceComponent: 'shop',
      targetComponent: `127.0.0.1:${port}`,
      sourceMethod: 'unknown',
      targetMethod: 'GET /boom',
      exception: { type: '500', message: client.status.message || '500', stacktrace: '' },
    });
  });

  it('without the propagator the server side falls back to client.address and an unknown method', async () => {
    propagation.disable();
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      await tracing.tracer.startActiveSpan('checkout', async (root) => {
        await (await fetch(`${base}/orders/42`)).json();
        root.end();
      });
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new CallerPropagator({ propagator: new W3CTraceContextPropagator() }));
    }
    const spans = await settled();
    const serverSpan = only(spans, `GET ${ordersRoute}`, SpanKind.SERVER);
    const [call, response] = mapSpan(serverSpan);
    expect(call).toMatchObject({
      sourceComponent: '127.0.0.1',
      sourceMethod: 'unknown',
      targetComponent: 'shop',
    });
    expect(response).toMatchObject({
      targetComponent: '127.0.0.1',
      targetMethod: 'unknown',
      sourceComponent: 'shop',
    });
    // Same trace either way: the wrapped W3C propagator still links client and server.
    expect(serverSpan.spanContext().traceId).toBe(only(spans, 'GET', SpanKind.CLIENT).spanContext().traceId);
  });
});

describe('two services in two processes with CallerPropagator', () => {
  it("the callee's trace points name the calling component and method", async () => {
    const { first, child } = await startNode<{ port: number }>(
      new URL('./fixtures/traced-service.mjs', import.meta.url).pathname,
      {
        TRACEPOINT_LEG_DIR: legDir(),
        SERVICE_NAME: 'inventory',
        CONVENTIONS: 'stable',
        REDIS_PORT: String(redis.port),
        MODE: 'serve',
      },
    );
    try {
      const inventory = `http://127.0.0.1:${first.port}`;
      await tracing.tracer.startActiveSpan('reserve-stock', async (root) => {
        await (await fetch(`${inventory}/orders/42`)).json();
        root.end();
      });
      const local = await settled();
      const client = only(local, 'GET', SpanKind.CLIENT);
      const remote = (await (await fetch(`${inventory}/__points`)).json()) as Array<{
        name: string;
        kind: SpanKind;
        points: TracePoint[];
      }>;
      const remoteServer = remote.find((s) => s.kind === SpanKind.SERVER);
      const remoteRedis = remote.find((s) => s.kind === SpanKind.CLIENT && s.name === 'get');
      expect(edgesOf(remoteServer?.points ?? [])).toEqual([
        ['call', 'shop', 'inventory', 'reserve-stock', 'GET /orders/{id}'],
        ['response', 'inventory', 'shop', 'GET /orders/{id}', 'reserve-stock'],
      ]);
      // One trace across both processes, the server span a child of the fetch span.
      expect(remoteServer?.points[0]?.traceId).toBe(client.spanContext().traceId);
      expect(remoteServer?.points[0]?.parentSpanId).toBe(client.spanContext().spanId);
      // Inside the callee, its own outgoing call is made by the method the caller invoked.
      expect(remoteRedis?.points[0]).toMatchObject({
        sourceComponent: 'inventory',
        sourceMethod: 'GET /orders/{id}',
        targetComponent: 'redis',
        targetMethod: 'get',
      });
    } finally {
      child.kill('SIGTERM');
    }
  });
});

function statusName(code: SpanStatusCode): TracePoint['statusCode'] {
  return code === SpanStatusCode.ERROR ? 'Error' : code === SpanStatusCode.OK ? 'Ok' : 'Unset';
}
