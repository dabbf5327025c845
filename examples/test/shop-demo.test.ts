import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../../test-support/child-process.js';
import { openInChromium } from '../../test-support/chromium.js';
import { tempDataDir } from '../../test-support/data-dir.js';

// README command 1 runs this demo for 30 s; the test runs it for 8 s on the leg's Node.
const examplesDir = resolve(import.meta.dirname, '..');
const repoRoot = resolve(examplesDir, '..');
const dataDir = tempDataDir('shop-demo');
const page = join(dataDir.path, '..', `${dataDir.path.split('/').pop()}-dashboard.html`);
const line = process.env.TRACEPOINT_OTEL_LINE ?? '2';
let output = '';
let client: ReturnType<typeof createEmbeddedClient>;
const startedAt = new Date(Date.now() - 5_000);

beforeAll(async () => {
  output = await runNode(join(examplesDir, 'shop/demo.mjs'), {
    SHOP_LOAD_SECONDS: '8',
    TRACEPOINT_DATA_DIR: dataDir.path,
    SHOP_PAGE: page,
  });
  // The demo stopped its ClickHouse server; the data stays in the directory for more SQL.
  client = createEmbeddedClient({ path: dataDir.path });
}, 240_000);

afterAll(async () => {
  await client?.close();
  dataDir.remove();
});

type Row = Record<string, unknown>;
const time = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');

async function query(sql: string, params: Record<string, unknown> = {}): Promise<Row[]> {
  return (await client.query({ query: sql, format: 'JSONEachRow', query_params: params })).json<Row>();
}

describe('README command 1: the shop demo', () => {
  it('drives load through three services and prints the dashboards and where things are', () => {
    expect(output).toMatch(/started inventory on http/);
    expect(output).toMatch(/load done: \d+ requests \(200: \d+/);
    expect(output).toContain('stopping the services');
    for (const title of ['Service map', 'RED per endpoint', 'Errors and exceptions', 'waterfall']) {
      expect(output).toContain(title);
    }
    expect(output).toMatch(/gateway +orders +\d+/);
    expect(output).toMatch(/orders +inventory +\d+/);
    expect(output).toMatch(/orders +PaymentProviderError +\d+ .*PaymentProviderError: payment provider/);
    expect(output).toContain(`Data: ${dataDir.path}`);
    expect(output).toContain(`Page: ${page}`);
  });

  it('every dashboards/*.sql file runs against the demo data and returns rows', async () => {
    const params: Record<string, unknown> = {
      from: time(startedAt),
      to: time(new Date(Date.now() + 60_000)),
      limit: 10,
    };
    const dir = join(repoRoot, 'dashboards');
    const sql = (name: string) => readFileSync(join(dir, name), 'utf8');
    const slowest = await query(sql('slowest-traces.sql'), params);
    params.trace_id = slowest[0]?.trace_id;
    const results: Record<string, Row[]> = {};
    const files = readdirSync(dir).filter((name) => name.endsWith('.sql'));
    expect(files.length).toBe(8);
    for (const file of files) {
      results[file] = await query(sql(file), params);
      expect(results[file]?.length, file).toBeGreaterThan(0);
    }

    // The three services and their edges, each with calls and percentiles.
    const edges = new Map(
      (results['service-map.sql'] ?? []).map((row) => [
        `${row.source_component} -> ${row.target_component}`,
        row,
      ]),
    );
    for (const edge of [
      'client (127.0.0.1) -> gateway',
      'gateway -> orders',
      'gateway -> inventory',
      'orders -> inventory',
    ]) {
      expect(edges.get(edge), edge).toBeDefined();
      const row = edges.get(edge) as Row;
      expect(Number(row.calls)).toBeGreaterThan(0);
      expect(Number(row.p50_ms)).toBeGreaterThan(0);
      expect(Number(row.p99_ms)).toBeGreaterThanOrEqual(Number(row.p50_ms));
    }
    expect([...edges.keys()].some((edge) => edge.startsWith('inventory -> postgresql'))).toBe(true);
    // The failing endpoint: some checkouts fail with a 503 from orders.
    expect(Number(edges.get('gateway -> orders')?.error_ratio)).toBeGreaterThan(0);
    const red = results['endpoints-red.sql'] ?? [];
    const placeOrder = red.find((row) => row.service === 'orders' && row.span_name === 'POST /orders');
    expect(Number(placeOrder?.error_ratio)).toBeGreaterThan(0);
    // The slow endpoint: product lookups are slow sometimes (250-650 ms on ~10%).
    const lookup = red.find((row) => row.service === 'inventory' && row.span_name === 'GET /products/:sku');
    expect(Number(lookup?.p99_ms)).toBeGreaterThan(200);
    // Exceptions with stacks.
    const payment = (results['errors.sql'] ?? []).find(
      (row) => row.exception_type === 'PaymentProviderError',
    );
    expect(payment?.service).toBe('orders');
    expect(String(payment?.stacktrace)).toMatch(
      /^PaymentProviderError: payment provider unavailable[\s\S]*\n +at /,
    );
    // Status codes are no exception types; the 503 orders answered is listed apart, as the
    // answer to the PaymentProviderError (every failed checkout once on each side).
    const types = (results['errors.sql'] ?? []).map((row) => row.exception_type);
    expect(types).not.toContain('503');
    expect(types).not.toContain('Error');
    const answered = (results['status-errors.sql'] ?? []).find(
      (row) => row.service === 'orders' && row.endpoint === 'POST /orders',
    );
    expect(answered).toMatchObject({ status_code: '503', errors: payment?.exceptions });
    expect(answered?.after_exception).toBe(answered?.errors);
    expect(results['latency-over-time.sql']?.map((row) => row.service)).toEqual(
      expect.arrayContaining(['gateway', 'orders', 'inventory']),
    );
    // One trace crosses all three services.
    const services = new Set((results['trace-waterfall.sql'] ?? []).map((row) => row.service));
    expect(services.size).toBeGreaterThanOrEqual(2);
    expect(results['trace-timeline.sql']?.some((row) => row.trace_type === 'response')).toBe(true);
  });

  it('the HTML page opens in headless Chromium with no console errors and names the services', async () => {
    const screenshots = join(repoRoot, 'test-results');
    mkdirSync(screenshots, { recursive: true });
    const opened = await openInChromium(page, join(screenshots, `shop-dashboard-otel${line}.png`));
    expect(opened.errors).toEqual([]);
    for (const name of ['gateway', 'orders', 'inventory', 'PaymentProviderError']) {
      expect(opened.text).toContain(name);
    }
    expect(opened.renderedCharts).toBeGreaterThanOrEqual(3);
  }, 600_000);
});
