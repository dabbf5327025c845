import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type SpanContext, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { DROPPED_BY_CLEANER, OVERFLOW_VALUE, type SpanLike, type StatsRecord } from '@tracepoint/core';
import { AGGREGATOR_DEFAULTS, AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { LogSketch, samplingWeight } from '@tracepoint/processor-aggregator/internal';
import { W3CTraceContextPropagator } from '@tracepoint-internal/otel-line';
import { describe, expect, it } from 'vitest';
import { expectReadmeStatesDefaults } from '../../../test-support/readme-options.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/** Heap and off-heap memory (`external` includes the ArrayBuffers of sketch buckets) after a full collection. */
function heldMemory(): number {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/** V8 sizes hash tables in powers of two and compiles code as the test runs: what a measurement may add. */
const SLACK_BYTES = 1_048_576;

/** A finished span as the SDK hands it over, built directly so a million cost seconds, not minutes. */
function span(name: string, durationMs: number, extra: Partial<SpanLike> = {}): SpanLike {
  const context: SpanContext = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
  };
  const end = Math.floor(Date.now() / 1000);
  return {
    name,
    kind: SpanKind.SERVER,
    spanContext: () => context,
    startTime: [end - 1, 0],
    endTime: [end, 0],
    duration: [Math.floor(durationMs / 1000), Math.round((durationMs % 1000) * 1e6)],
    status: { code: SpanStatusCode.UNSET },
    attributes: { 'http.request.method': 'GET', 'http.route': `/r/${name}` },
    links: [],
    events: [],
    resource: { attributes: { 'service.name': 'bounded' } },
    instrumentationScope: { name: 'test' },
    ...extra,
  };
}

function collectingSink() {
  const records: StatsRecord[] = [];
  return { records, writeStats: async (batch: readonly StatsRecord[]) => void records.push(...batch) };
}

describe('bounded memory', () => {
  it('1M distinct keys: held keys stay under maxKeys, memory under the account, overflow counted, nothing lost', async () => {
    const sink = collectingSink();
    const maxKeys = 2_000;
    const aggregator = new AggregatorSpanProcessor({
      sink,
      maxKeys,
      maxValuesPerDimension: 500,
      intervalMillis: 3_600_000,
    });
    const before = heldMemory();
    for (let i = 0; i < 1_000_000; i++) aggregator.onEnd(span(`op-${i}`, 1 + (i % 100)));
    const grown = heldMemory() - before;
    console.log(
      `1M distinct keys: ${aggregator.heldKeys} keys held, heap + external grew ${(grown / 1048576).toFixed(1)} MiB (account ${(aggregator.heldBytes / 1048576).toFixed(1)} MiB)`,
    );
    expect(aggregator.heldKeys).toBeLessThanOrEqual(maxKeys);
    expect(grown).toBeLessThan(aggregator.heldBytes + SLACK_BYTES);
    expect(aggregator.heldBytes).toBeLessThanOrEqual(AGGREGATOR_DEFAULTS.maxMemoryBytes);
    const stats = aggregator.stats();
    expect(stats.overflow.dimension.spanName).toBeGreaterThan(900_000);
    expect(stats.spans).toBe(1_000_000);
    await aggregator.shutdown();
    const endpoints = sink.records.filter((r) => r.statType === 'endpoint');
    expect(endpoints.reduce((n, r) => n + r.spanCount, 0)).toBe(1_000_000);
    expect(endpoints.some((r) => r.spanName === OVERFLOW_VALUE)).toBe(true);
    const edges = sink.records.filter((r) => r.statType === 'edge');
    expect(edges.reduce((n, r) => n + r.spanCount, 0)).toBe(1_000_000);
  }, 120_000);

  it('past maxKeys, spans count under one overflow key per stat type', async () => {
    const sink = collectingSink();
    const aggregator = new AggregatorSpanProcessor({ sink, maxKeys: 100, intervalMillis: 3_600_000 });
    // Every span in the middle of the last hour: one interval, whatever the clock does during the loop.
    const end = Math.floor(Date.now() / 3_600_000) * 3_600 - 1_800;
    const times = { startTime: [end - 1, 0] as [number, number], endTime: [end, 0] as [number, number] };
    // 40 names x 40 routes x kinds x statuses: far more keys than 100, each value under its dimension cap.
    for (let i = 0; i < 40; i++) {
      for (let j = 0; j < 40; j++) {
        const status = { code: j % 2 === 0 ? SpanStatusCode.OK : SpanStatusCode.ERROR };
        aggregator.onEnd(
          span(`op-${i}`, 3, {
            ...times,
            status,
            kind: j % 3 === 0 ? SpanKind.CLIENT : SpanKind.SERVER,
            attributes: { 'http.request.method': 'GET', 'http.route': `/r/${j}` },
          }),
        );
      }
    }
    expect(aggregator.heldKeys).toBeLessThanOrEqual(100);
    await aggregator.shutdown();
    expect(aggregator.stats().overflow.keys).toBeGreaterThan(1_000);
    const endpoints = sink.records.filter((r) => r.statType === 'endpoint');
    expect(endpoints.reduce((n, r) => n + r.spanCount, 0)).toBe(1_600);
    const overflow = sink.records.filter((r) => r.service === OVERFLOW_VALUE);
    expect(overflow.length).toBeGreaterThanOrEqual(1);
    expect(sink.records.length).toBeLessThanOrEqual(100);
  });

  it('1M spans over 160k distinct keys, every value under its dimension cap: maxKeys holds, overflow counted', async () => {
    const sink = collectingSink();
    const maxKeys = 2_000;
    const aggregator = new AggregatorSpanProcessor({ sink, maxKeys, intervalMillis: 3_600_000 });
    const resources = Array.from({ length: 400 }, (_, i) => ({ attributes: { 'service.name': `svc-${i}` } }));
    const before = heldMemory();
    for (let i = 0; i < 1_000_000; i++) {
      // 400 services x 400 names: no dimension passes maxValuesPerDimension, only the key count does.
      aggregator.onEnd(
        span(`op-${Math.floor(i / 400) % 400}`, 1 + (i % 100), { resource: resources[i % 400] }),
      );
    }
    const grown = heldMemory() - before;
    console.log(
      `1M spans, 160k keys: ${aggregator.heldKeys} keys held, heap + external grew ${(grown / 1048576).toFixed(1)} MiB (account ${(aggregator.heldBytes / 1048576).toFixed(1)} MiB), ${aggregator.stats().overflow.keys} spans under the overflow key`,
    );
    expect(aggregator.heldKeys).toBeLessThanOrEqual(maxKeys);
    expect(grown).toBeLessThan(aggregator.heldBytes + SLACK_BYTES);
    const stats = aggregator.stats();
    expect(stats.overflow.dimension).toEqual({});
    expect(stats.overflow.keys).toBeGreaterThan(900_000);
    await aggregator.shutdown();
    const endpoints = sink.records.filter((r) => r.statType === 'endpoint');
    expect(endpoints.reduce((n, r) => n + r.spanCount, 0)).toBe(1_000_000);
    expect(endpoints.some((r) => r.service === OVERFLOW_VALUE)).toBe(true);
  }, 120_000);

  it('a span ending far ahead of the clock is filed in the current interval, not held until then', async () => {
    const sink = collectingSink();
    const aggregator = new AggregatorSpanProcessor({ sink, intervalMillis: 3_600_000 });
    const now = Math.floor(Date.now() / 1000);
    const yearAhead = now + 365 * 86_400;
    aggregator.onEnd(span('skewed', 2, { startTime: [yearAhead - 1, 0], endTime: [yearAhead, 0] }));
    aggregator.onEnd(span('on time', 2));
    expect(aggregator.stats().futureEndClamped).toBe(1);
    await aggregator.shutdown();
    const starts = sink.records.map((r) => r.intervalStartSeconds);
    expect(starts.length).toBeGreaterThan(0);
    expect(Math.max(...starts)).toBeLessThanOrEqual(now);
  });

  it('a sketch keeps at most maxBuckets buckets, collapsing the fastest values', () => {
    const sketch = new LogSketch(Math.log(1.01 / 0.99), 1e-6, 64);
    for (let exponent = -6; exponent <= 8; exponent += 0.01) sketch.add(10 ** exponent, 1);
    const { keys, counts } = sketch.toArrays();
    expect(keys.length).toBeLessThanOrEqual(64);
    expect(sketch.size).toBeLessThanOrEqual(64);
    expect(counts.reduce((a, b) => a + b, 0)).toBeCloseTo(1401, 0);
    // The largest values keep their own buckets.
    expect(keys[keys.length - 1]).toBe(sketch.keyOf(10 ** 8));
  });

  it('a value more than maxBuckets above all the others: they collapse into the lowest bucket kept, none is lost', () => {
    const sketch = new LogSketch(Math.log(1.01 / 0.99), 1e-6, 64);
    sketch.add(1e-6, 1);
    sketch.add(2e-6, 2);
    sketch.add(1_000, 4);
    const { keys, counts } = sketch.toArrays();
    expect(counts).toEqual([3, 4]);
    expect(keys[1]).toBe(sketch.keyOf(1_000));
    expect((keys[1] as number) - (keys[0] as number)).toBeLessThan(64);
  });

  it('a sketch whose memory refuses a larger array keeps its array and collapses instead', () => {
    const asked: [number, number][] = [];
    const sketch = new LogSketch(Math.log(1.01 / 0.99), 1e-6, 2_048, {
      grow: (from, to) => {
        asked.push([from, to]);
        return false;
      },
    });
    for (let exponent = -6; exponent <= 8; exponent += 0.01) sketch.add(10 ** exponent, 1);
    const { keys, counts } = sketch.toArrays();
    expect(sketch.size).toBe(8);
    expect(keys.length).toBeLessThanOrEqual(8);
    expect(counts.reduce((a, b) => a + b, 0)).toBeCloseTo(1401, 0);
    expect(keys[keys.length - 1]).toBe(sketch.keyOf(10 ** 8));
    expect(asked[0]).toEqual([8, 16]);
  });
});

describe('flushing', () => {
  it('forceFlush mid-interval: later spans form a second row for the key, nothing counted twice or lost', async () => {
    const sink = collectingSink();
    const aggregator = new AggregatorSpanProcessor({ sink, intervalMillis: 3_600_000 });
    for (let i = 0; i < 30; i++) aggregator.onEnd(span('flushed', 2));
    await aggregator.forceFlush();
    await aggregator.forceFlush();
    for (let i = 0; i < 12; i++) aggregator.onEnd(span('flushed', 4));
    await aggregator.shutdown();
    await aggregator.shutdown();
    aggregator.onEnd(span('flushed', 4));
    const endpoint = sink.records.filter((r) => r.statType === 'endpoint');
    expect(endpoint.map((r) => r.spanCount)).toEqual([30, 12]);
    expect(new Set(endpoint.map((r) => r.intervalStartSeconds)).size).toBe(1);
    expect(endpoint.reduce((sum, r) => sum + r.durationSumMs, 0)).toBeCloseTo(30 * 2 + 12 * 4, 6);
    expect(aggregator.stats()).toMatchObject({ spans: 42, recordsWritten: 4, recordsFailed: 0 });
  });
});

describe('sampling weights', () => {
  const propagator = new W3CTraceContextPropagator();
  const withTraceState = (tracestate: string) => {
    const carrier = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate };
    const { trace, ROOT_CONTEXT } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
    return trace.getSpanContext(
      propagator.extract(ROOT_CONTEXT, carrier, { get: (c, k) => c[k as keyof typeof c], keys: Object.keys }),
    ) as SpanContext;
  };

  it.each([
    ['ot=th:8', {}, 2],
    ['ot=th:c', {}, 4],
    ['ot=th:0', {}, 1],
    ['vendor=x', { 'sampling.probability': 0.25 }, 4],
    ['vendor=x', { 'sampling.adjusted_count': 10 }, 10],
    ['vendor=x', { SampleRate: 20 }, 20],
    ['vendor=x', { 'sampling.probability': 0 }, 1],
  ])('tracestate %s with %j weighs %d', (tracestate, attributes, expected) => {
    expect(samplingWeight(withTraceState(tracestate), attributes)).toBe(expected);
  });

  it('weighted counts add up in the rows; dropped spans are skipped', async () => {
    const sink = collectingSink();
    // One hour-long interval: the 11 spans cannot straddle an interval boundary.
    const aggregator = new AggregatorSpanProcessor({ sink, intervalMillis: 3_600_000 });
    const sampled = withTraceState('ot=th:c');
    for (let i = 0; i < 10; i++) aggregator.onEnd(span('weighted', 5, { spanContext: () => sampled }));
    aggregator.onEnd(Object.assign(span('weighted', 5), { [DROPPED_BY_CLEANER]: 'healthCheck' }));
    await aggregator.shutdown();
    const endpoint = sink.records.find((r) => r.statType === 'endpoint');
    expect(endpoint).toMatchObject({ spanCount: 10, count: 40 });
    expect(aggregator.stats().skippedDropped).toBe(1);
  });
});

describe('options', () => {
  it.each([
    [{}, /option sink must be an object with writeStats/],
    [{ sink: collectingSink(), intervalMillis: 1500 }, /intervalMillis must be whole seconds/],
    [{ sink: collectingSink(), maxKeys: 2 }, /option maxKeys must be an integer >= 3, got 2/],
    [
      { sink: collectingSink(), maxMemoryBytes: 4096 },
      /option maxMemoryBytes must be an integer >= 65536, got 4096/,
    ],
    [
      { sink: collectingSink(), maxLatenessMillis: -1 },
      /option maxLatenessMillis must be an integer >= 0, got -1/,
    ],
  ])('%j is refused with a message naming the option', (options, message) => {
    expect(() => new AggregatorSpanProcessor(options as never)).toThrow(message);
  });

  it('the README states the defaults the code uses', () => {
    expectReadmeStatesDefaults(new URL('../README.md', import.meta.url), AGGREGATOR_DEFAULTS);
  });

  it('never throws into the app: garbage spans and a failing sink are counted', async () => {
    const warnings: string[] = [];
    const aggregator = new AggregatorSpanProcessor({
      sink: { writeStats: () => Promise.reject(new Error('down')) },
      logger: { warn: (m) => warnings.push(m) },
    });
    for (const garbage of [null, undefined, {}, { spanContext: 1 }])
      expect(() => aggregator.onEnd(garbage as never)).not.toThrow();
    aggregator.onEnd(span('ok', 1));
    await aggregator.shutdown();
    expect(aggregator.stats()).toMatchObject({ unreadable: 4, recordsFailed: 2, recordsWritten: 0 });
    expect(warnings).toHaveLength(1);
  });
});
