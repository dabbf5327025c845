import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanKind } from '@opentelemetry/api';
import { OVERFLOW_VALUE } from '@tracepoint/core';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/**
 * What the process holds after a full collection: the V8 heap plus memory
 * outside it (`external`, which already includes `arrayBuffers`, where
 * sketch buckets of more than 8 slots live).
 */
function held(): { total: number; heap: number; arrayBuffers: number } {
  gc();
  gc();
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { total: heapUsed + external, heap: heapUsed, arrayBuffers };
}

/**
 * What a measurement may show beyond the aggregator's account: V8 sizes its
 * hash tables in powers of two and compiles code for new paths as the test
 * runs (a few hundred KiB at most in these runs).
 */
const SLACK_BYTES = 1_048_576;

const MiB = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

const store = testStore('aggregator-memory');

const rows = <T>(query: string): Promise<T[]> => store.rows<T>(query);

/** An aggregator writing into `database` on chDB, and real SDK tracing feeding it. */
async function pipeline(database: string, options: Record<string, number>) {
  const exporter = new ClickHouseSpanExporter({ client: store.client, database, mode: 'sync' });
  await exporter.ready();
  const aggregator = new AggregatorSpanProcessor({ sink: exporter, intervalMillis: 60_000, ...options });
  const tracing = startTracing({ serviceName: 'bounded', spanProcessors: [aggregator as never] });
  return {
    aggregator,
    /** An HTTP server span of `name` (one endpoint key and one edge key) ending at `endMillis`. */
    serve(name: string, durationMillis: number, endMillis: number) {
      const span = tracing.tracer.startSpan(name, {
        kind: SpanKind.SERVER,
        startTime: endMillis - durationMillis,
        attributes: { 'http.request.method': 'GET', 'http.route': `/r/${name}` },
      });
      span.end(endMillis);
    },
    async close() {
      await tracing.stop();
      await aggregator.shutdown();
      await exporter.shutdown();
    },
  };
}

describe('one memory bound over everything the aggregator holds', () => {
  it('980 keys of 1 ns to 20 h durations stay within maxMemoryBytes, buckets included; totals exact in ClickHouse', async () => {
    const maxMemoryBytes = 4 * 1_048_576;
    const p = await pipeline('wide', { maxMemoryBytes });
    const names = 490;
    const durations: number[] = [];
    for (let exponent = -6; exponent <= Math.log10(72e6); exponent += 0.25) durations.push(10 ** exponent);
    const before = held();
    for (let i = 0; i < names; i++) {
      for (const millis of durations) p.serve(`op-${i}`, millis, Date.now());
    }
    const after = held();
    const grown = after.total - before.total;
    const stats = p.aggregator.stats();
    console.log(
      `${names * 2} wide keys offered, ${p.aggregator.heldKeys} held: heap + external grew ${MiB(grown)} (heap ${MiB(after.heap - before.heap)}, ArrayBuffers ${MiB(after.arrayBuffers - before.arrayBuffers)}; heapUsed + external + arrayBuffers ${MiB(grown + after.arrayBuffers - before.arrayBuffers)}), account ${MiB(p.aggregator.heldBytes)} of ${MiB(maxMemoryBytes)}; ${stats.overflow.keys} spans under overflow keys`,
    );
    expect(grown).toBeLessThan(maxMemoryBytes + SLACK_BYTES);
    expect(p.aggregator.heldBytes).toBeLessThanOrEqual(maxMemoryBytes);
    expect(stats.overflow.keys).toBeGreaterThan(0);
    await p.close();
    const totals = await rows<{ stat_type: string; spans: string; overflow: string }>(
      `SELECT stat_type, sum(span_count) AS spans, sumIf(span_count, service = '${OVERFLOW_VALUE}') AS overflow
       FROM wide.trace_point_stats GROUP BY stat_type ORDER BY stat_type`,
    );
    const spans = names * durations.length;
    expect(totals.map((t) => [t.stat_type, Number(t.spans)])).toEqual([
      ['edge', spans],
      ['endpoint', spans],
    ]);
    for (const t of totals) expect(Number(t.overflow)).toBeGreaterThan(0);
  }, 120_000);

  it('20k spans ending in 20k past intervals with maxKeys 100: late spans count in the oldest open interval', async () => {
    const p = await pipeline('late', { maxKeys: 100 });
    // The middle of the previous minute, then one minute further back per span.
    const started = Date.now();
    const last = Math.floor(started / 60_000) * 60_000 - 30_000;
    const before = held();
    for (let i = 0; i < 20_000; i++) p.serve('late', 5, last - i * 60_000);
    const after = held();
    const grown = after.total - before.total;
    const stats = p.aggregator.stats();
    console.log(
      `20k past intervals: ${p.aggregator.heldKeys} keys held, heap + external grew ${MiB(grown)}, account ${MiB(p.aggregator.heldBytes)}; lateSpans ${stats.lateSpans}`,
    );
    expect(p.aggregator.heldKeys).toBeLessThanOrEqual(100);
    expect(grown).toBeLessThan(p.aggregator.heldBytes + SLACK_BYTES);
    // maxLatenessMillis is 5 minutes: at most the six intervals it reaches keep their own spans.
    expect(stats.lateSpans).toBeGreaterThanOrEqual(20_000 - 6);
    await p.close();
    const intervals = await rows<{ start: number; spans: string }>(
      `SELECT toUnixTimestamp(interval_start) AS start, sum(span_count) AS spans FROM late.trace_point_stats
       WHERE stat_type = 'endpoint' GROUP BY interval_start ORDER BY interval_start`,
    );
    expect(intervals.reduce((sum, i) => sum + Number(i.spans), 0)).toBe(20_000);
    expect(intervals.length).toBeLessThanOrEqual(8);
    // Late spans went to the oldest open interval (two, if the clock passed a boundary meanwhile),
    // which is no older than maxLatenessMillis allows.
    expect(Number(intervals[0]?.spans) + Number(intervals[1]?.spans)).toBeGreaterThanOrEqual(stats.lateSpans);
    expect((intervals[0]?.start as number) * 1000).toBeGreaterThanOrEqual(
      Math.floor((started - 300_000) / 60_000) * 60_000,
    );
  }, 120_000);
});

describe('maxKeys', () => {
  it('holds over all open intervals together; an interval without room counts in the nearest held one', async () => {
    const p = await pipeline('global', { maxKeys: 100 });
    // 30 names in each of the last four minutes (within maxLatenessMillis): 60 keys per interval, 240 in all.
    const last = Math.floor(Date.now() / 60_000) * 60_000 - 30_000;
    for (let minute = 0; minute < 4; minute++) {
      for (let i = 0; i < 30; i++) p.serve(`op-${i}`, 5, last - minute * 60_000);
    }
    expect(p.aggregator.heldKeys).toBeLessThanOrEqual(100);
    const stats = p.aggregator.stats();
    expect(stats.lateSpans).toBe(0);
    // Two intervals fit (60 keys and three overflow keys each, less what the second lacks); the other two do not.
    expect(stats.overflow.intervals).toBe(60);
    expect(stats.overflow.keys).toBeGreaterThan(0);
    await p.close();
    const intervals = await rows<{ spans: string }>(
      `SELECT sum(span_count) AS spans FROM global.trace_point_stats
       WHERE stat_type = 'endpoint' GROUP BY interval_start ORDER BY interval_start`,
    );
    expect(intervals.map((i) => Number(i.spans))).toEqual([90, 30]);
  });
});

describe('dimension caps', () => {
  it('an empty value takes no slot: at maxValuesPerDimension 100, 100 real span names are kept', async () => {
    const p = await pipeline('empty', { maxValuesPerDimension: 100 });
    // Every edge key has an empty span name, the first one right after op-0's endpoint key.
    for (let i = 0; i < 150; i++) p.serve(`op-${i}`, 5, Date.now());
    await p.close();
    const names = await rows<{ span_name: string }>(
      `SELECT DISTINCT span_name FROM empty.trace_point_stats WHERE stat_type = 'endpoint'`,
    );
    const real = names.map((n) => n.span_name).filter((name) => name !== OVERFLOW_VALUE);
    expect(real).toHaveLength(100);
    expect(names.map((n) => n.span_name)).toContain(OVERFLOW_VALUE);
  });
});
