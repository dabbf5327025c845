import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { REPEATED_BYTES_ENTRIES, REPEATED_BYTES_MAX_LENGTH } from '@tracepoint/exporter-clickhouse/internal';
import type { ReadableSpan } from '@tracepoint-internal/otel-line';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnce, recordSpans } from '../../../test-support/recorded-spans.js';
import { spanTableRows } from '../../../test-support/span-table-rows.js';
import { testStore } from '../../../test-support/test-store.js';

// The binary encoder keeps the bytes of texts and attribute pairs it wrote before and copies
// them when the same value comes again. These spans repeat, change, alternate and overflow
// values so that every way a kept copy could go stale shows up as a row that differs from the
// JSON path's (which keeps nothing), or as a repair count that differs.

const store = testStore('exporter-repeated-bytes');

const LONE = '😀'.slice(0, 1);
const MULTI = 'Grüße 日本 🚀';
const SPANS = 3 * REPEATED_BYTES_ENTRIES;

let spans: ReadableSpan[] = [];

beforeAll(async () => {
  spans = await recordSpans('repeated', SPANS, (tracer, i) => {
    const span = tracer.startSpan(i % 3 === 0 ? `op ${LONE}` : `op ${i % 3} ${MULTI}`, {
      kind: i % 2 === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET',
        // Caches a pair, then alternates: the kept bytes must follow the value, not the name.
        flip: i < 10 ? 'steady' : i % 2 === 0 ? 'a' : 'b',
        // The same name and spelling with another type: 200 and '200' are different values.
        code: i < SPANS / 2 ? 200 : '200',
        ratio: 0.5,
        flag: i % 4 < 2,
        // Repaired on every row: never kept, so each row counts its repair.
        lone: `v${LONE}`,
        multi: MULTI,
        arr: ['x', String(i % 2)],
        long: `${'x'.repeat(REPEATED_BYTES_MAX_LENGTH)}${i % 2}`,
        // More distinct names and values than one cache holds: it empties and starts again.
        [`name.${i % (REPEATED_BYTES_ENTRIES + 88)}`]: `value ${i % (REPEATED_BYTES_ENTRIES + 88)}`,
      },
    });
    span.addEvent(i % 5 === 0 ? `retry ${LONE}` : 'retry', { attempt: i % 2 });
    if (i % 7 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `failed ${LONE}` });
    else if (i % 7 === 1) span.setStatus({ code: SpanStatusCode.ERROR, message: `failed ${i % 600}` });
    span.end();
  });
});

async function write(database: string, mode: 'sync' | 'push', changes: string[] = []) {
  await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  // The exporter's own table first, then columns redeclared, then the exporter that writes to them.
  const maker = new ClickHouseSpanExporter({ client: store.client, database, mode });
  await maker.ready();
  await maker.shutdown();
  for (const change of changes)
    await store.client.command({ query: `ALTER TABLE ${database}.otel_traces MODIFY COLUMN ${change}` });
  const exporter = new ClickHouseSpanExporter({ client: store.client, database, mode });
  await exporter.ready();
  // Several exports, so the kept bytes outlive a batch (and its reused Buffer).
  for (let at = 0; at < spans.length; at += 100)
    expect(await exportOnce(exporter, spans.slice(at, at + 100))).toEqual({ code: 0 });
  await exporter.forceFlush();
  await exporter.shutdown();
  return exporter.stats();
}

const allColumns = (database: string) => spanTableRows(store, database);

describe('repeated texts and pairs in binary inserts', () => {
  it('write every row exactly as the JSON path does, and count each row’s repairs', async () => {
    const binary = await write('rep_bin', 'sync');
    const json = await write('rep_json', 'push');
    const rows = await allColumns('rep_bin');
    expect(rows).toHaveLength(SPANS);
    expect(rows).toEqual(await allColumns('rep_json'));
    // The 'lone' attribute alone is repaired once per row.
    expect(binary.loneSurrogatesReplaced).toBe(json.loneSurrogatesReplaced);
    expect(binary.loneSurrogatesReplaced).toBeGreaterThan(SPANS);

    const byId = new Map(rows.map((row) => [row.SpanId, row]));
    for (const span of spans) {
      const row = byId.get(span.spanContext().spanId) as Record<string, unknown>;
      const attributes = row.SpanAttributes as Record<string, string>;
      expect(attributes.flip).toBe(span.attributes.flip);
      expect(attributes.code).toBe('200');
      expect(attributes.flag).toBe(String(span.attributes.flag));
      expect(row.SpanName).toBe((span.name as unknown as { toWellFormed(): string }).toWellFormed());
    }
  });

  it('pad FixedString columns the same way when the bytes are kept', async () => {
    const changes = ['ScopeName FixedString(32)', 'SpanKind FixedString(16)'];
    await write('rep_fixed_bin', 'sync', changes);
    await write('rep_fixed_json', 'push', changes);
    const rows = await allColumns('rep_fixed_bin');
    expect(rows).toHaveLength(SPANS);
    expect(rows).toEqual(await allColumns('rep_fixed_json'));
    expect(String(rows[0]?.SpanKind).length).toBe(16);
  });
});
