import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { CleanerSpanProcessor } from '@tracepoint/processor-cleaner';
import { mapSpan } from '@tracepoint/semantic-mapping';
import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { startTracing } from '../../../test-support/tracing.js';
import { MODES, recordCleaned, writeRaw } from './cleaned-spans.js';

/** A small seeded PRNG (mulberry32), so a failure replays exactly from its seed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

type Random = ReturnType<typeof prng>;

const NASTY_CHARS = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\ud800',
  '\udfff',
  '\ufffe',
  '\u202e',
  '\u00e9',
  '😀',
  "'",
  '"',
  '\\',
  '\n',
  '\t',
  '{',
  '}',
  '%',
];

function makeHostileString(r: Random): string {
  const length = r.pick([0, 1, 5, 40, 300, 5_000, 70_000]);
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const roll = r.next();
    const part =
      roll < 0.3
        ? r.pick(NASTY_CHARS)
        : roll < 0.4
          ? r.pick([
              'bob@example.com',
              '4111111111111111',
              'Bearer abc123def456',
              'password=x',
              "' OR 1=1 --",
            ])
          : String.fromCharCode(32 + r.int(95));
    parts.push(part);
    size += part.length;
  }
  return parts.join('');
}

/** Built once: generating long strings per span would make the test measure its own generator. */
const STRING_POOL = (() => {
  const r = prng(1);
  return Array.from({ length: 300 }, () => makeHostileString(r));
})();

function hostileString(r: Random): string {
  return r.pick(STRING_POOL);
}

const DEEP_ARRAY = (() => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 5_000; i++) deep = [deep];
  return deep;
})();

function hostileValue(r: Random, depth = 0): unknown {
  switch (r.int(16)) {
    case 0:
      return hostileString(r);
    case 1:
      return r.pick([
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -0,
        Number.MAX_VALUE,
        2 ** 63,
      ]);
    case 2:
      return BigInt(r.int(1_000_000)) ** 5n;
    case 3:
      return Buffer.from(hostileString(r));
    case 4:
      return new Date(r.pick([0, Number.NaN, 8.64e15, -8.64e15]));
    case 5: {
      const object: Record<string, unknown> = { a: hostileString(r) };
      if (depth < 3) object.b = hostileValue(r, depth + 1);
      if (r.next() < 0.3) object.self = object;
      return object;
    }
    case 6:
      return depth < 3 ? [hostileValue(r, depth + 1), hostileValue(r, depth + 1)] : [];
    case 7:
      return [1, 'two', true, null, undefined, Number.NaN];
    case 8:
      return new Map([[hostileString(r), 1]]);
    case 9:
      return Symbol('s');
    case 10:
      return () => 1;
    case 11:
      return Array.from({ length: r.pick([0, 3, 500]) }, () => hostileString(r));
    case 12:
      return DEEP_ARRAY;
    case 13:
      return null;
    case 14:
      return r.next() < 0.5;
    default:
      return r.int(2 ** 31) - 2 ** 30;
  }
}

function hostileKey(r: Random): string {
  return r.pick([
    '',
    'db.query.text',
    'db.password',
    'url.full',
    'http.route',
    'k\u0000',
    'k\ud800',
    'é',
    'x'.repeat(1_000),
    hostileString(r).slice(0, 50),
  ]);
}

/** One span full of hostile data, recorded through the real SDK (API writes plus raw writes the API would refuse). */
function hostileSpan(tracer: Tracer, r: Random): void {
  const now = Date.now();
  const start = r.pick([now - 10, now - 1e12, now + 1e12, 0, now]);
  const span = tracer.startSpan(hostileString(r).slice(0, 200) || 'x', {
    kind: r.pick([SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER]),
    startTime: start,
  });
  const raw: Record<string, unknown> = {};
  for (let i = 0, n = r.int(20); i < n; i++) raw[hostileKey(r)] = hostileValue(r);
  raw['http.request.method'] = r.pick(['GET', 'POST', undefined]);
  raw['url.path'] = r.pick(['/users/42', hostileString(r), undefined]);
  raw['db.system.name'] = r.pick(['redis', 'mongodb', 'postgresql', undefined]);
  writeRaw(span, raw);
  for (let i = 0, n = r.int(4); i < n; i++) {
    span.addEvent(hostileString(r).slice(0, 100), { [hostileKey(r) || 'e']: hostileString(r) });
    const events = (span as unknown as { events: { attributes?: Record<string, unknown> }[] }).events;
    const last = events[events.length - 1];
    if (last !== undefined) last.attributes = { ...last.attributes, raw: hostileValue(r) };
  }
  span.setStatus({ code: r.pick([SpanStatusCode.ERROR, SpanStatusCode.OK]), message: hostileString(r) });
  span.end(r.pick([start + 5, start - 5, now, now + 1e12]));
}

describe.each(MODES)('hostile spans never make the cleaner throw (%s)', (mode) => {
  it('2000 random spans', async () => {
    const r = prng(20261124);
    const run = await recordCleaned(mode, {}, (tracer) => {
      for (let i = 0; i < 2_000; i++) expect(() => hostileSpan(tracer, r)).not.toThrow();
    });
    expect(run.stats.internalErrors).toBe(0);
    expect(run.warnings).toEqual([]);
    expect(run.stats.spans).toBe(2_000);
  });
});

describe('cleaned hostile spans are accepted by a real insert', () => {
  const dataDir = tempDataDir('cleaner-fuzz');
  let client: ReturnType<typeof createEmbeddedClient>;

  beforeAll(() => {
    client = createEmbeddedClient({ path: dataDir.path });
  });

  afterAll(async () => {
    await client?.close();
    dataDir.remove();
  });

  it('every one of 400 cleaned spans lands in otel_traces and trace_points, none refused', async () => {
    const memory = new InMemorySpanExporter();
    const cleaner = new CleanerSpanProcessor({ logger: { warn() {} } });
    const tracing = startTracing({
      serviceName: 'fuzz',
      spanProcessors: [cleaner as never, simpleSpanProcessor(memory)],
    });
    const r = prng(7);
    for (let i = 0; i < 400; i++) hostileSpan(tracing.tracer as unknown as Tracer, r);
    await tracing.provider.forceFlush();
    const spans: ReadableSpan[] = memory.getFinishedSpans().slice();
    await tracing.stop();
    const kept = spans.length;
    expect(kept).toBeGreaterThan(300);
    expect(cleaner.stats().internalErrors).toBe(0);

    const logged: string[] = [];
    const log = (message: string) => logged.push(message.slice(0, 600));
    const exporter = new ClickHouseSpanExporter({
      client,
      database: 'fuzz',
      mode: 'sync',
      logger: { warn: log, error: log },
    });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
      exporter.export(spans, resolve),
    );
    await exporter.shutdown();
    expect(result.error?.message).toBeUndefined();
    expect(result.code).toBe(0);
    expect(logged.slice(0, 3)).toEqual([]);
    expect(exporter.stats()).toMatchObject({ rowsRejected: 0, spansFailed: 0 });

    const count = async (table: string, column: string) =>
      Number(
        (
          (await (
            await client.query({
              query: `SELECT uniqExact(${column}) AS n FROM fuzz.${table}`,
              format: 'JSONEachRow',
            })
          ).json()) as { n: string }[]
        )[0]?.n,
      );
    expect(await count('otel_traces', 'SpanId')).toBe(kept);
    // One trace-points row per span that has points (internal spans without exceptions have none).
    expect(await count('trace_points_spans', 'span_id')).toBe(
      spans.filter((span) => mapSpan(span).length > 0).length,
    );
  });
});
