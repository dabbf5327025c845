import { join } from 'node:path';
import { resolveExporterConfig } from '@tracepoint/exporter-clickhouse/internal';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { ensureStoreService, stopStoreService } from '../../clickhouse-local/src/store.js';
import { ReconnectingReads } from '../src/reconnecting-reads.js';

// `tracepoint dashboard` and `tracepoint query` read through ReconnectingReads: a store
// service that stops (idle, or stopped) between discovery and a read is found or started
// again, once. Real store services on a real chDB.
const work = tempDataDir('reconnecting-reads');
const store = join(work.path, 'store');
afterAll(async () => {
  await stopStoreService(store).catch(() => undefined);
  work.remove();
});

const env = { TRACEPOINT_STORE_IDLE_MS: '20000' };

describe('ReconnectingReads', () => {
  it('reads again from a new service when the one it found stopped before the read', async () => {
    process.env.TRACEPOINT_STORE_IDLE_MS = env.TRACEPOINT_STORE_IDLE_MS;
    const first = await ensureStoreService(store);
    const reads = await ReconnectingReads.open(resolveExporterConfig({ url: store }));
    try {
      let calls = 0;
      const answer = await reads.run(async (client) => {
        calls++;
        // The service goes away after discovery, as an idle stop would.
        if (calls === 1) await stopStoreService(store);
        return (await client.query({ query: 'SELECT 41 + 1 AS n', format: 'JSONEachRow' })).json();
      });
      expect(answer).toEqual([{ n: 42 }]);
      expect(calls).toBe(2);
      const second = await ensureStoreService(store);
      expect(second.pid).not.toBe(first.pid);
    } finally {
      await reads.close();
    }
  }, 120_000);

  it('does not run again what ClickHouse refused', async () => {
    const reads = await ReconnectingReads.open(resolveExporterConfig({ url: store }));
    try {
      let calls = 0;
      const refused = await reads
        .run(async (client) => {
          calls++;
          return (await client.query({ query: 'SELECT no_such_column', format: 'JSONEachRow' })).json();
        })
        .catch((error: unknown) => error);
      expect(String(refused)).toMatch(/no_such_column/);
      expect(calls).toBe(1);
    } finally {
      await reads.close();
    }
  }, 120_000);
});
