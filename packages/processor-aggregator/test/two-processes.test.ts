import { statsEndpointsSql, statsServiceGraphSql } from '@tracepoint/exporter-clickhouse';
import { describe, expect, it } from 'vitest';
import { legDir, runNode } from '../../../test-support/child-process.js';
import { testStore } from '../../../test-support/test-store.js';

const store = testStore('aggregator-two', { http: true });

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow', query_params: params })).json<T>();
}

describe('two processes writing the same keys', () => {
  it('merge in SQL: counts add up, quantiles match quantileExact over both processes raw spans', async () => {
    const fixture = new URL('./fixtures/aggregating-service.mjs', import.meta.url).pathname;
    const database = 'two';
    // The schema first, so the two processes do not race to create it.
    const first = await runNode(fixture, {
      TRACEPOINT_LEG_DIR: legDir(),
      CLICKHOUSE_URL: store.server.url,
      DATABASE: database,
      SEED: '1',
      COUNT: '100',
    });
    const outputs = await Promise.all(
      ['2', '3'].map((seed) =>
        runNode(fixture, {
          TRACEPOINT_LEG_DIR: legDir(),
          CLICKHOUSE_URL: store.server.url,
          DATABASE: database,
          SEED: seed,
          COUNT: '6000',
        }),
      ),
    );
    const written = [first, ...outputs].map(
      (out) => JSON.parse(out.trim().split('\n').pop() as string) as { spans: number },
    );
    expect(written.map((w) => w.spans)).toEqual([100, 6_000, 6_000]);

    const range = { from: '2000-01-01 00:00:00', to: '2100-01-01 00:00:00' };
    const [endpoint] = await rows<{ requests: number; p50_ms: number; p90_ms: number; p99_ms: number }>(
      statsEndpointsSql({ database }, { allSpans: true }),
      range,
    );
    const [exact] = await rows<{ n: string; p50: number; p90: number; p99: number }>(
      `SELECT count() AS n, quantileExact(0.5)(Duration) / 1e6 AS p50, quantileExact(0.9)(Duration) / 1e6 AS p90,
              quantileExact(0.99)(Duration) / 1e6 AS p99 FROM ${database}.otel_traces`,
    );
    expect(Number(exact?.n)).toBe(12_100);
    expect(endpoint?.requests).toBe(12_100);
    for (const q of ['50', '90', '99'] as const) {
      const relative =
        Math.abs((endpoint?.[`p${q}_ms`] as number) - (exact?.[`p${q}`] as number)) /
        (exact?.[`p${q}`] as number);
      expect(relative, `p${q}`).toBeLessThanOrEqual(0.01);
    }
    // Rows of the same key and interval from different processes really exist, and merge.
    const [{ shared } = { shared: '0' }] = await rows<{ shared: string }>(
      `SELECT count() AS shared FROM (SELECT interval_start, source_method, target_method, count() AS writers
        FROM ${database}.trace_point_stats WHERE stat_type = 'edge' GROUP BY ALL HAVING writers > 1)`,
    );
    expect(Number(shared)).toBeGreaterThan(0);
    const edges = await rows<{ source_component: string; target_component: string; calls: number }>(
      statsServiceGraphSql({ database }),
      range,
    );
    expect(edges.map((e) => [e.source_component, e.target_component, e.calls])).toEqual([
      ['shop', 'inventory:8080', 12_100],
    ]);
  }, 180_000);
});
