import type { StatsRecord } from '@tracepoint/core';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { MIGRATIONS_TABLE } from '@tracepoint/exporter-clickhouse/internal';
import { describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { endpointRecord } from './stats-records.js';

const store = testStore('stats-client-errors');

function record(clientErrors: number | undefined): StatsRecord {
  // Durations and sketch as the test wrote them first; a writer that leaves client_errors out counts none.
  return endpointRecord('catalog', 5, {
    durationSumMs: 10,
    durationMaxMs: 4,
    sketchCounts: [5],
    ...(clientErrors === undefined ? {} : { clientErrors }),
  });
}

describe('trace_point_stats.client_errors (migration 6)', () => {
  it('is added to a stats table made before it, and written from then on', async () => {
    const database = 'stats_before_client_errors';
    const first = new ClickHouseSpanExporter({ client: store.client, database, mode: 'sync' });
    await first.ready();
    await first.shutdown();
    // A store of the release before: the stats table without the column, migration 6 not recorded.
    await store.client.command({
      query: `ALTER TABLE ${database}.trace_point_stats DROP COLUMN client_errors`,
    });
    await store.client.command({
      query: `ALTER TABLE ${database}.${MIGRATIONS_TABLE} DELETE WHERE version = 6 SETTINGS mutations_sync = 1`,
    });
    expect(
      await store.count(`SELECT count() AS n FROM ${database}.${MIGRATIONS_TABLE} WHERE version = 6`),
    ).toBe(0);

    const exporter = new ClickHouseSpanExporter({ client: store.client, database, mode: 'sync' });
    await exporter.ready();
    // A record from a writer that leaves the field out counts none.
    expect(await exporter.writeStats([record(3), record(undefined)])).toBe(0);
    await exporter.shutdown();
    expect(await store.count(`SELECT sum(client_errors) AS n FROM ${database}.trace_point_stats`)).toBe(3);
    expect(
      await store.count(`SELECT count() AS n FROM ${database}.${MIGRATIONS_TABLE} WHERE version = 6`),
    ).toBe(1);
    // Last in the table, as in a new store: both list the columns in the same order.
    const [last] = await store.rows<{ name: string }>(
      `SELECT name FROM system.columns WHERE database = '${database}' AND table = 'trace_point_stats' ORDER BY position DESC LIMIT 1`,
    );
    expect(last?.name).toBe('client_errors');
  });
});
