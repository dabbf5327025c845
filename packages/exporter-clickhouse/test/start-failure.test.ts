import { SpanKind } from '@opentelemetry/api';
import {
  ClickHouseSpanExporter,
  type ExportResultLike,
  SchemaMismatchError,
  type TransmissionMode,
} from '@tracepoint/exporter-clickhouse';
import { describe, expect, it } from 'vitest';
import { exportOnce, recordSpans as recordSpansOf } from '../../../test-support/recorded-spans.js';
import { testStore } from '../../../test-support/test-store.js';

const store = testStore('exporter-start-failure');

const recordSpans = (count: number) =>
  recordSpansOf('start-failure', count, (tracer, i) =>
    tracer.startSpan(`op ${i}`, { kind: SpanKind.SERVER }).end(),
  );

describe.each<TransmissionMode>(['async', 'sync', 'push'])(
  'after a permanent start-up failure (%s mode)',
  (mode) => {
    it('every later export reports FAILED with the start-up error, and the loss is logged once', async () => {
      // An empty database with createSchema: false: the schema does not match, and will not by itself.
      const database = `never_${mode}`;
      await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
      const errors: string[] = [];
      const exporter = new ClickHouseSpanExporter({
        client: store.client,
        database,
        createSchema: false,
        mode,
        logger: { warn() {}, error: (message) => errors.push(message) },
      });
      const spans = await recordSpans(5);

      // Exported before start-up has answered: async and push queue the rows (and accept them).
      const early = await exportOnce(exporter, spans);
      expect(early.code).toBe(mode === 'sync' ? 1 : 0);
      await expect(exporter.ready()).rejects.toBeInstanceOf(SchemaMismatchError);

      const later: ExportResultLike[] = [];
      for (let flush = 0; flush < 4; flush++) {
        later.push(await exportOnce(exporter, spans));
        await exporter.forceFlush();
      }
      expect(later.map((result) => result.code)).toEqual([1, 1, 1, 1]);
      for (const result of later) {
        expect(result.error).toBeInstanceOf(SchemaMismatchError);
        expect(result.error?.message).toMatch(/table otel_traces is missing/);
      }
      await exporter.shutdown();

      const lost = errors.filter((message) => /^lost /.test(message));
      // The rows queued before the failure are lost with one line; nothing is queued after it.
      expect(lost).toHaveLength(mode === 'sync' ? 0 : 1);
      if (mode !== 'sync')
        expect(lost[0]).toMatch(/^lost 5 otel_traces rows queued while the exporter was starting/);
      expect(errors.filter((message) => /cannot start/.test(message))).toHaveLength(1);
      expect(errors).toHaveLength(lost.length + 1);
      // Nothing vanishes: all 25 spans are counted as failed, none as exported.
      expect(exporter.stats()).toMatchObject({ spansExported: 0, spansFailed: 25, spansDropped: 0 });
    });
  },
);
