import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { MIGRATIONS_TABLE } from '@tracepoint/exporter-clickhouse/internal';
import { AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { HttpInstrumentation, legRequire } from '@tracepoint-internal/otel-line';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';

const store = testStore('aggregator-client-errors');

/**
 * Real node:http traffic through the real SDK: a server answering 200, 404, 400 and 500 to a
 * client in the same process (both sides traced). A 4xx is the client's fault: not an error on
 * the server span (semantic conventions), but counted in the endpoint's client_errors.
 */
describe('client_errors: server spans answered with an HTTP 4xx', () => {
  const database = 'client_errors';
  let exporter: ClickHouseSpanExporter;

  beforeAll(async () => {
    exporter = new ClickHouseSpanExporter({ client: store.client, database, mode: 'sync' });
    await exporter.ready();
    const aggregator = new AggregatorSpanProcessor({ sink: exporter, intervalMillis: 60_000 });
    const tracing = startTracing({
      serviceName: 'catalog',
      spanProcessors: [aggregator as never],
      instrumentations: [new HttpInstrumentation()],
    });
    const http = legRequire('node:http') as typeof import('node:http');
    const server: Server = http.createServer((req, res) => {
      res.statusCode =
        req.url === '/missing' ? 404 : req.url === '/bad' ? 400 : req.url === '/broken' ? 500 : 200;
      res.end('answer');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (path: string) =>
      new Promise<void>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path }, (res) => res.resume().on('end', resolve))
          .on('error', reject);
      });
    for (const path of ['/ok', '/missing', '/missing', '/bad', '/broken', '/ok']) await get(path);
    await new Promise((resolve) => server.close(resolve));
    await tracing.stop();
    await aggregator.shutdown();
  }, 60_000);

  afterAll(async () => {
    await exporter?.shutdown();
  });

  it('counts the 4xx answers of server spans, which stay non-errors', async () => {
    const rows = await store.rows<{
      span_kind: string;
      spans: string;
      errors: number;
      client_errors: string;
    }>(
      `SELECT span_kind, sum(span_count) AS spans, sum(error_count) AS errors, sum(client_errors) AS client_errors
       FROM ${database}.trace_point_stats WHERE stat_type = 'endpoint' GROUP BY span_kind ORDER BY span_kind`,
    );
    const byKind = Object.fromEntries(rows.map((row) => [row.span_kind, row]));
    // Three 4xx answers among six requests; only the 500 is a server error.
    expect(byKind.Server).toMatchObject({ spans: '6', errors: 1, client_errors: '3' });
    // A client span's 4xx is an error for the client (semantic conventions) and no client_errors of a server.
    expect(byKind.Client).toMatchObject({ spans: '6', client_errors: '0' });
    expect(byKind.Client?.errors).toBe(4);
  });

  it('a new store records migration 6 and has the column with its default', async () => {
    const versions = await store.rows<{ version: number }>(
      `SELECT DISTINCT version FROM ${database}.${MIGRATIONS_TABLE} ORDER BY version`,
    );
    expect(versions.map((row) => Number(row.version))).toContain(6);
    const [column] = await store.rows<{ type: string; default_expression: string }>(
      `SELECT type, default_expression FROM system.columns WHERE database = '${database}' AND table = 'trace_point_stats' AND name = 'client_errors'`,
    );
    expect(column).toEqual({ type: 'UInt64', default_expression: '0' });
  });
});
