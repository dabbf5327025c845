import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module without declarations
import { buildCheckoutSpans } from '../lib/traffic/checkout-spans.mjs';
// @ts-expect-error plain ES module without declarations
import { makeAsWiredStages } from '../pipeline-throughput/as-wired.mjs';

interface Delivery {
  replayed: number;
  delivered: number;
}

// Stage (h) must run the add-on's path, not a stand-in: the real processors see fresh SDK spans
// (cleaned in place in onEnding, never copied), every replayed span reaches the real destination
// of each configuration, and the aggregator sees every span. Counts only, no timing. The bench
// carries its own OpenTelemetry 2.x dependencies, so it runs on that leg only (like bench-smoke).
const line = process.env.TRACEPOINT_OTEL_LINE ?? '2';

describe.skipIf(line !== '2')('pipeline-throughput stage (h): the processors as wired', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracepoint-bench-h-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays fresh spans through each configuration and delivers every one', async () => {
    const spans = buildCheckoutSpans(300);
    const { stages, close } = await makeAsWiredStages(spans, dir);
    // Two passes each: the second must see new Span objects, or in-place cleaning would find them clean.
    for (let pass = 0; pass < 2; pass++) {
      for (const stage of stages as { pass(): Promise<number> }[]) expect(await stage.pass()).toBe(300);
    }
    const state = await close();
    const delivered = state.delivered as Record<string, Delivery>;
    for (const id of ['asWiredFloor', 'asWiredOtlp', 'asWired', 'asWiredGzip']) {
      expect(delivered[id], id).toEqual(expect.objectContaining({ replayed: 600, delivered: 600 }));
    }
    expect(delivered.asWired).toEqual(expect.objectContaining({ distinctSpanIds: 600 }));
    expect(delivered.asWiredGzip).toEqual(expect.objectContaining({ distinctSpanIds: 600 }));
    expect(state.gzipExporter.spansExported).toBe(600);
    expect(state.cleaner.spans).toBe(600);
    expect(state.cleaner.cleanedCopies).toBe(0);
    expect(state.cleaner.cleanedInPlace).toBeGreaterThan(0);
    expect(state.aggregator.spans).toBe(600);
    expect(state.exporter.spansExported).toBe(600);
    expect(state.exporter.rowsWritten.otel_traces).toBe(600);
  }, 120_000);
});
