import { type SpanContext, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { SpanLike, StatsRecord } from '@tracepoint/core';
import { AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextFlushAt } from '../src/flush-schedule.js';

const MINUTE = 60_000;
/** A minute boundary of the wall clock, some time ago (any multiple of the interval would do). */
const BOUNDARY = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;

/** A finished span ending at `endMillis`, as the SDK hands it over (no SDK: its clock is not faked here). */
function spanEndingAt(endMillis: number): SpanLike {
  const context: SpanContext = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
  };
  const end: [number, number] = [Math.floor(endMillis / 1000), (endMillis % 1000) * 1e6];
  return {
    name: 'GET /items',
    kind: SpanKind.SERVER,
    spanContext: () => context,
    startTime: [end[0] - 1, end[1]],
    endTime: end,
    duration: [1, 0],
    status: { code: SpanStatusCode.UNSET },
    attributes: {},
    links: [],
    events: [],
    resource: { attributes: { 'service.name': 'timed' } },
    instrumentationScope: { name: 'test' },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the interval timer follows the wall clock', () => {
  it.each([
    ['10 s before a boundary', BOUNDARY - 10_000, BOUNDARY + 1_000],
    ['right after a boundary, within the grace', BOUNDARY + 400, BOUNDARY + 1_000],
    ['at the flush of a boundary', BOUNDARY + 1_000, BOUNDARY + MINUTE + 1_000],
    ['just after that flush', BOUNDARY + 1_001, BOUNDARY + MINUTE + 1_000],
  ])('%s, the next flush is the next boundary plus 1 s of grace', (_, now, expected) => {
    expect(nextFlushAt(now, MINUTE)).toBe(expected);
  });

  it('the grace is a tenth of a short interval', () => {
    expect(nextFlushAt(BOUNDARY + 50, 1_000)).toBe(BOUNDARY + 100);
    expect(nextFlushAt(BOUNDARY + 100, 1_000)).toBe(BOUNDARY + 1_100);
  });

  it('an interval is written at its end (plus the grace), not one interval after the processor started', async () => {
    // Only the aggregator's own clock and timers are faked; the spans are built without the SDK.
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(BOUNDARY - 10_000);
    const written: StatsRecord[][] = [];
    const aggregator = new AggregatorSpanProcessor({
      sink: { writeStats: async (records) => void written.push([...records]) },
      intervalMillis: MINUTE,
    });
    aggregator.onEnd(spanEndingAt(BOUNDARY - 5_000));
    await vi.advanceTimersByTimeAsync(10_999);
    expect(written).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(written.map((batch) => [...new Set(batch.map((r) => r.intervalStartSeconds))])).toEqual([
      [(BOUNDARY - MINUTE) / 1000],
    ]);
    // The next one, a whole interval later, on the next boundary.
    aggregator.onEnd(spanEndingAt(BOUNDARY + 30_000));
    await vi.advanceTimersByTimeAsync(MINUTE - 1);
    expect(written).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect([...new Set(written[1]?.map((r) => r.intervalStartSeconds))]).toEqual([BOUNDARY / 1000]);
    await aggregator.shutdown();
    // Shut down, it arms no further timer.
    expect(vi.getTimerCount()).toBe(0);
  });
});
