import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ensureStoreService, stopStoreService, storeServiceStatus } from '@tracepoint/clickhouse-local/store';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test-support/data-dir.js';

const dataDir = tempDataDir('quickstart');
afterAll(async () => {
  await stopStoreService(dataDir.path).catch(() => undefined);
  dataDir.remove();
});

describe('README command 1 (quickstart)', () => {
  it('exports the server and client spans of one real HTTP call to the store service and reads them back with SQL', async () => {
    const output = execFileSync(process.execPath, ['quickstart.mjs'], {
      cwd: resolve(import.meta.dirname, '..'),
      env: { ...process.env, TRACEPOINT_DATA_DIR: dataDir.path, TRACEPOINT_STORE_IDLE_MS: '20000' },
      encoding: 'utf8',
    });
    expect(output).toContain('GET /hello -> 200');
    expect(output).toContain(`Spans are in ${dataDir.path}`);

    // ClickHouse ran in the store service, not in the script: the service outlives it.
    const status = await storeServiceStatus(dataDir.path);
    expect(status.state).toBe('running');
    expect(status.info?.pid).toBeGreaterThan(0);

    // The data stays for more SQL: any client reads it from the service.
    const { url } = await ensureStoreService(dataDir.path);
    const sql = `SELECT SpanKind, uniqExact(TraceId) AS traces, count() AS spans FROM otel_traces
                 WHERE ServiceName = 'quickstart' GROUP BY SpanKind ORDER BY SpanKind FORMAT JSONEachRow`;
    const answer = await fetch(`${url}/?query=${encodeURIComponent(sql)}`);
    const rows = (await answer.text())
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(rows).toEqual([
      { SpanKind: 'Client', traces: '1', spans: '1' },
      { SpanKind: 'Server', traces: '1', spans: '1' },
    ]);
  });
});
