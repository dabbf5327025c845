import { SpanKind } from '@opentelemetry/api';
import type { TracePoint } from '@tracepoint/semantic-mapping';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legDir, runNode } from '../../../test-support/child-process.js';
import { freePort } from '../../../test-support/free-port.js';
import { type RunningRedis, startRedis } from '../../../test-support/redis-server.js';
import { edgesOf } from '../../../test-support/trace-points.js';

// Captured live, not transcribed: the same service runs once with today's
// instrumentations (stable conventions) and once with instrumentation-http
// 0.52 and instrumentation-ioredis 0.41 (the old conventions), each in its own
// process, and both must give the same components and methods.

interface CapturedSpan {
  name: string;
  kind: SpanKind;
  attributeKeys: string[];
  points: TracePoint[];
}

const fixture = new URL('./fixtures/traced-service.mjs', import.meta.url).pathname;
let redis: RunningRedis;
let port: number;

beforeAll(async () => {
  redis = await startRedis();
  port = await freePort();
});
afterAll(async () => {
  await redis.stop();
});

async function capture(conventions: 'old' | 'stable'): Promise<CapturedSpan[]> {
  const out = await runNode(fixture, {
    TRACEPOINT_LEG_DIR: legDir(),
    SERVICE_NAME: 'orders-svc',
    CONVENTIONS: conventions,
    REDIS_PORT: String(redis.port),
    PORT: String(port),
    MODE: 'oneshot',
  });
  return (JSON.parse(out) as { spans: CapturedSpan[] }).spans;
}

/** Who calls whom per span, ordered by kind and callee method: what must not depend on the conventions. */
interface SpanEdges {
  kind: SpanKind;
  points: string[][];
}

/** One order for captured and expected spans: by kind, then by their points. */
function sorted(spans: SpanEdges[]): SpanEdges[] {
  return [...spans].sort(
    (x, y) => x.kind - y.kind || JSON.stringify(x.points).localeCompare(JSON.stringify(y.points)),
  );
}

function edges(spans: CapturedSpan[]): SpanEdges[] {
  return sorted(spans.map((span) => ({ kind: span.kind, points: edgesOf(span.points) })));
}

describe('old and stable semantic conventions, captured from real instrumentations', () => {
  it('map to the same components and methods', async () => {
    const stable = await capture('stable');
    const old = await capture('old');
    // The two runs really used different conventions.
    const keys = (spans: CapturedSpan[]) => new Set(spans.flatMap((span) => span.attributeKeys));
    for (const name of ['http.request.method', 'url.path', 'server.address', 'db.system.name']) {
      expect(keys(stable)).toContain(name);
      expect(keys(old)).not.toContain(name);
    }
    for (const name of ['http.method', 'http.target', 'net.peer.name', 'db.system', 'db.statement']) {
      expect(keys(old)).toContain(name);
      expect(keys(stable)).not.toContain(name);
    }
    expect(stable.map((s) => s.name).sort()).toEqual(old.map((s) => s.name).sort());

    const expected: SpanEdges[] = [
      { kind: SpanKind.INTERNAL, points: [] },
      {
        kind: SpanKind.SERVER,
        points: [
          ['call', 'orders-svc', 'orders-svc', 'checkout', 'GET /orders/{id}'],
          ['response', 'orders-svc', 'orders-svc', 'GET /orders/{id}', 'checkout'],
        ],
      },
      {
        kind: SpanKind.CLIENT,
        points: [
          ['call', 'orders-svc', `127.0.0.1:${port}`, 'checkout', 'GET /orders/{id}'],
          ['response', `127.0.0.1:${port}`, 'orders-svc', 'GET /orders/{id}', 'checkout'],
        ],
      },
      {
        kind: SpanKind.CLIENT,
        points: [
          ['call', 'orders-svc', 'redis', 'GET /orders/{id}', 'get'],
          ['response', 'redis', 'orders-svc', 'get', 'GET /orders/{id}'],
        ],
      },
    ];
    expect(edges(stable)).toEqual(sorted(expected));
    expect(edges(old)).toEqual(edges(stable));
  });
});
