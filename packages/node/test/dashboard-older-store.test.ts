import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { runCli } from '@tracepoint/node/internal';
import { describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';

// A store written before trace_point_stats.client_errors (schema migration 6) must still answer
// `tracepoint dashboard`: the dashboard runs the migrations an exporter start would run.
const store = testStore('dashboard-older-store', { http: true });

async function olderStore(database: string): Promise<void> {
  const exporter = new ClickHouseSpanExporter({ url: store.server.url, database });
  await exporter.ready();
  await exporter.shutdown();
  // What migration 6 added, taken away again: the store as the previous release left it.
  await store.client.command({
    query: `ALTER TABLE ${database}.trace_point_stats DROP COLUMN client_errors`,
  });
  await store.client.command({
    query: `ALTER TABLE ${database}.tracepoint_schema_migrations DELETE WHERE version = 6 SETTINGS mutations_sync = 2`,
  });
}

describe('tracepoint dashboard on a store an older tracepoint wrote', () => {
  it('brings its schema up to date and answers every panel', async () => {
    const database = 'older_store';
    await olderStore(database);
    const lines: string[] = [];
    const code = await runCli(['dashboard', '--url', store.server.url, '--database', database], (text) =>
      lines.push(text),
    );
    const out = lines.join('\n');
    expect(out).not.toMatch(/failed:/);
    expect(out).toMatch(/applied its schema migration\(s\) 6/);
    expect(code).toBe(0);
    const columns = await store.rows<{ name: string }>(
      `SELECT name FROM system.columns WHERE database = '${database}' AND table = 'trace_point_stats' AND name = 'client_errors'`,
    );
    expect(columns).toHaveLength(1);
  });

  it('a panel ClickHouse refuses is reported in its place; the others still print', async () => {
    const database = 'older_store_panels';
    await olderStore(database);
    const lines: string[] = [];
    // A user-named stats table the dashboards read but no tracepoint table definition governs.
    const code = await runCli(
      ['dashboard', '--url', store.server.url, '--database', database, '--stats-table', 'no_such_stats'],
      (text) => lines.push(text),
    );
    const out = lines.join('\n');
    expect(code).toBe(1);
    expect(out).toMatch(/RED per endpoint[^\n]*\nfailed: /);
    expect(out).toMatch(/Slowest traces/);
  });
});
