import { ClickHouseSpanExporter, UnsupportedServerVersionError } from '@tracepoint/exporter-clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningLegacyClickHouse,
  startLegacyClickHouse,
} from '../../../test-support/legacy-clickhouse-server.js';

let server: RunningLegacyClickHouse;

beforeAll(async () => {
  server = await startLegacyClickHouse();
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

describe('a real Debian clickhouse-server 18.16', () => {
  it('refuses to start with one clear line, and the app keeps running', async () => {
    expect(server.version).toBe('18.16.1');
    const errors: string[] = [];
    const exporter = new ClickHouseSpanExporter({
      url: server.url,
      mode: 'sync',
      logger: { warn() {}, error: (message) => errors.push(message) },
    });
    await expect(exporter.ready()).rejects.toBeInstanceOf(UnsupportedServerVersionError);
    const results = await Promise.all(
      [1, 2].map(
        () => new Promise<{ code: number; error?: Error }>((resolve) => exporter.export([], resolve)),
      ),
    );
    expect(results.map((result) => result.code)).toEqual([1, 1]);
    expect(results[0]?.error?.message).toMatch(/needs ClickHouse >= 23\.8, found 18\.16\.1/);
    await exporter.shutdown();
    // Logged once, however many exports failed.
    expect(errors).toEqual([
      expect.stringMatching(
        /^ClickHouse exporter cannot start: .*needs ClickHouse >= 23\.8, found 18\.16\.1/,
      ),
    ]);
  });
});
