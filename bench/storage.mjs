// Item 3 of the benchmarks: compressed bytes per span on disk. The example system's traffic is
// the shop demo (examples/shop/demo.mjs: three services traced by the add-on, PostgreSQL, load,
// dashboards) on a fresh data directory; once it has exited (and freed the directory) this opens
// the directory with the embedded engine, copies the same spans into the OpenTelemetry
// Collector's ClickHouse exporter layout in a separate database, settles both with OPTIMIZE FINAL
// and reads system.parts and system.parts_columns.
import { join } from 'node:path';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import { planOf, runIfMain } from './lib/cli.mjs';
import { rowsOf } from './lib/clickhouse-rows.mjs';
import { inWorkDir } from './lib/work-dir.mjs';
import { COLLECTOR_BATCH_SECONDS, collectorStatements } from './storage/collector-ddl.mjs';
import { storageReport } from './storage/report.mjs';
import { runShopDemo } from './storage/shop-demo.mjs';
import { columnsOf, mergeTreeTables, partsOf, settle } from './storage/table-sizes.mjs';

const SIZES = { smoke: { loadSeconds: 5 }, full: { loadSeconds: 60 } };
const COLLECTOR_DATABASE = 'collector_layout';

/**
 * The Collector's layout holding the same spans, inserted in batches of 5 s of span end time
 * (what a Collector batching every 5 s sends; its lookup view adds a row per trace per insert).
 * Resolves with the number of inserts.
 */
async function copyIntoCollectorLayout(client) {
  for (const statement of collectorStatements(COLLECTOR_DATABASE)) await client.command({ query: statement });
  const columns = (
    await rowsOf(
      client,
      `SELECT name FROM system.columns WHERE database = '${COLLECTOR_DATABASE}' AND table = 'otel_traces' AND default_kind NOT IN ('ALIAS', 'MATERIALIZED', 'EPHEMERAL') ORDER BY position`,
    )
  )
    .map((r) => `\`${r.name}\``)
    .join(', ');
  const batchOf = `intDiv(toUnixTimestamp64Nano(Timestamp) + Duration, ${COLLECTOR_BATCH_SECONDS * 1e9})`;
  const batches = (
    await rowsOf(client, `SELECT DISTINCT ${batchOf} AS b FROM default.otel_traces ORDER BY b`)
  ).map((r) => r.b);
  for (const batch of batches) {
    await client.command({
      query: `INSERT INTO ${COLLECTOR_DATABASE}.otel_traces (${columns}) SELECT ${columns} FROM default.otel_traces WHERE ${batchOf} = ${batch}`,
    });
  }
  return batches.length;
}

/** Which attribute keys make the maps heavy: raw text per span, and distinct values (repeated text compresses away, distinct text does not). */
async function heavyAttributeKeys(client) {
  const attributeKeys = [];
  for (const map of ['ResourceAttributes', 'SpanAttributes']) {
    const rows = await rowsOf(
      client,
      `SELECT k, sum(length(k) + length(v)) AS text_bytes, uniqExact(v) AS distinct_values
       FROM default.otel_traces ARRAY JOIN mapKeys(${map}) AS k, mapValues(${map}) AS v
       GROUP BY k ORDER BY ${map === 'SpanAttributes' ? 'distinct_values * text_bytes' : 'text_bytes'} DESC LIMIT 4`,
    );
    for (const r of rows) {
      attributeKeys.push({
        map,
        key: r.k,
        textBytes: Number(r.text_bytes),
        distinctValues: Number(r.distinct_values),
      });
    }
  }
  return attributeKeys;
}

/** Both layouts' tables settled and measured, on the data directory the demo left. */
async function measureLayouts(dataDir) {
  const client = createEmbeddedClient({ path: dataDir });
  try {
    const spans = Number((await rowsOf(client, 'SELECT count() AS n FROM default.otel_traces'))[0].n);
    if (!(spans > 0)) throw new Error('the shop demo left no spans in default.otel_traces');
    const batches = await copyIntoCollectorLayout(client);
    const layouts = [
      { name: 'tracepoint', database: 'default' },
      { name: 'Collector DDL', database: COLLECTOR_DATABASE },
    ];
    for (const layout of layouts) {
      for (const table of await mergeTreeTables(client, layout.database))
        await settle(client, layout.database, table);
      layout.parts = await partsOf(client, layout.database);
      layout.columns = await columnsOf(client, layout.database);
    }
    const attributeKeys = await heavyAttributeKeys(client);
    const copied = layouts[1].parts.find((p) => p.table === 'otel_traces')?.rows;
    if (copied !== spans) throw new Error(`the Collector layout holds ${copied} spans, tracepoint ${spans}`);
    return { spans, batches, layouts, attributeKeys };
  } finally {
    await client.close();
  }
}

export async function run({ size = 'full' } = {}) {
  const plan = planOf(SIZES, size);
  const measured = await inWorkDir('storage', async (work) => {
    const dataDir = join(work, 'clickhouse');
    const demo = await runShopDemo({
      dataDir,
      pageFile: join(work, 'dashboard.html'),
      loadSeconds: plan.loadSeconds,
    });
    return { demo, ...(await measureLayouts(dataDir)) };
  });
  return storageReport({ size, plan, ...measured });
}

await runIfMain(import.meta.url, run);
