import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test-support/data-dir.js';

const dataDir = tempDataDir('quickstart');
afterAll(() => dataDir.remove());

describe('README command 1 (quickstart)', () => {
  it('exports the server and client spans of one real HTTP call and reads them back with SQL', async () => {
    const output = execFileSync(process.execPath, ['quickstart.mjs'], {
      cwd: resolve(import.meta.dirname, '..'),
      env: { ...process.env, TRACEPOINT_DATA_DIR: dataDir.path },
      encoding: 'utf8',
    });
    expect(output).toContain('GET /hello -> 200');
    expect(output).toContain(`Spans are in ${dataDir.path}`);

    // The data stays for more SQL: open it again from this process.
    const client = createEmbeddedClient({ path: dataDir.path });
    try {
      const rows = await (
        await client.query({
          query: `SELECT SpanKind, uniqExact(TraceId) AS traces, count() AS spans FROM otel_traces
                  WHERE ServiceName = 'quickstart' GROUP BY SpanKind ORDER BY SpanKind`,
          format: 'JSONEachRow',
        })
      ).json();
      expect(rows).toEqual([
        { SpanKind: 'Client', traces: '1', spans: '1' },
        { SpanKind: 'Server', traces: '1', spans: '1' },
      ]);
    } finally {
      await client.close();
    }
  });
});
