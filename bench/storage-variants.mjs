// Issue 18 item 5: storage variants of otel_traces side by side, on the shop demo's traffic and on
// the dashboard benchmark's shop traffic. Both are written once by the real exporter (the demo in
// its own process, the dashboard traffic through tracepointSpanProcessors here) into one data
// directory; each variant table is created from the exporter's own table with one change
// (storage-variants/variants.mjs), filled by INSERT ... SELECT from it, settled with OPTIMIZE
// FINAL and measured: bytes per span against the Collector's DDL holding the same rows, and rows
// read by Grafana's trace-by-id and by a service/time search. A combination of the changes that
// paid off is built from the measurements, and the default is picked from the table.
import { join } from 'node:path';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import { TRACE_POINT_COLUMNS } from '@tracepoint/exporter-clickhouse';
import { generate } from './dashboard-reads.mjs';
import { planOf, runIfMain } from './lib/cli.mjs';
import { rowsOf } from './lib/clickhouse-rows.mjs';
import { inWorkDir } from './lib/work-dir.mjs';
import { collectorStatements } from './storage/collector-ddl.mjs';
import { runShopDemo } from './storage/shop-demo.mjs';
import { describeTable, measureVariant, probesOf } from './storage-variants/measure.mjs';
import { eligible, pickDefault, variantsReport } from './storage-variants/report.mjs';
import { CURRENT, changesOf, combinedVariant, VARIANTS, variantDdl } from './storage-variants/variants.mjs';

const SIZES = {
  smoke: { loadSeconds: 5, spans: 20_000, rangeMinutes: 10, traceIds: 3 },
  medium: { loadSeconds: 30, spans: 300_000, rangeMinutes: 60, traceIds: 5 },
  full: { loadSeconds: 60, spans: 1_000_000, rangeMinutes: 120, traceIds: 5 },
};
const VARIANTS_DATABASE = 'variants';

/** The demo's spans and lookup rows to database `shop` (a rename keeps their parts as written), the rest of `default` dropped for the next exporter. */
async function moveShopAside(client) {
  await client.command({ query: 'CREATE DATABASE shop' });
  await client.command({
    query:
      'RENAME TABLE default.otel_traces TO shop.otel_traces, default.otel_traces_trace_id_ts TO shop.otel_traces_trace_id_ts',
  });
  const left = await rowsOf(
    client,
    "SELECT name FROM system.tables WHERE database = 'default' ORDER BY engine LIKE '%View' DESC",
  );
  for (const t of left) await client.command({ query: `DROP TABLE default.\`${t.name}\`` });
}

async function trafficOf(client, { id, name, base, traceIds }) {
  const spans = Number((await rowsOf(client, `SELECT count() AS n FROM ${base}`))[0].n);
  if (!(spans > 0)) throw new Error(`no spans in ${base}`);
  const [database, table] = base.split('.');
  return {
    id,
    name,
    base,
    spans,
    description: await describeTable(client, database, table),
    probes: await probesOf(client, base, traceIds),
    results: {},
  };
}

/** The exporter's trace-point columns of otel_traces, which the Collector's table does not have. */
const TRACE_POINT_NAMES = new Set(TRACE_POINT_COLUMNS.map((c) => c.name));

async function measureCollector(client, traffic) {
  const database = `collector_${traffic.id}`;
  for (const statement of collectorStatements(database)) await client.command({ query: statement });
  // The Collector's table holds the same spans in its own columns: the base without the trace-point ones.
  const columns = traffic.description.columns.filter((c) => !TRACE_POINT_NAMES.has(c.name));
  traffic.collector = await measureVariant(client, {
    traffic,
    database,
    table: 'otel_traces',
    lookup: `${database}.otel_traces_trace_id_ts`,
    base: { ...traffic.description, columns },
    name: 'Collector DDL',
  });
}

async function measureOne(client, traffic, variant, changes) {
  const table = `${traffic.id}_${variant.id.replaceAll('-', '_')}`;
  const base = traffic.description;
  traffic.results[variant.id] = await measureVariant(client, {
    traffic,
    database: VARIANTS_DATABASE,
    table,
    ddl: variantDdl(base, changes, VARIANTS_DATABASE, table),
    base,
    name: variant.id,
  });
  traffic.results[variant.id].changes = changes;
  await client.command({ query: `DROP TABLE ${VARIANTS_DATABASE}.${table}` });
}

/** Single changes that were smaller than current on every traffic and read no more than allowed, smallest first. */
function winnersOf(traffics) {
  const singles = VARIANTS.filter(
    (v) =>
      v.id !== CURRENT &&
      traffics.every((t) => {
        const r = t.results[v.id];
        return r.compressed < t.results[CURRENT].compressed && eligible(r, t.results[CURRENT]);
      }),
  );
  const score = (v) => traffics.reduce((s, t) => s + t.results[v.id].compressed / t.spans, 0);
  return singles
    .sort((a, b) => score(a) - score(b))
    .map((variant) => {
      const columnBytes = {};
      for (const t of traffics)
        for (const [c, b] of Object.entries(t.results[variant.id].columns))
          columnBytes[c] = (columnBytes[c] ?? 0) + b / t.spans;
      return { variant, changes: traffics[0].results[variant.id].changes, columnBytes };
    });
}

export async function run({ size = 'full' } = {}) {
  const plan = planOf(SIZES, size);
  return inWorkDir('storage-variants', async (work) => {
    const dataDir = join(work, 'clickhouse');
    const demo = await runShopDemo({
      dataDir,
      pageFile: join(work, 'dashboard.html'),
      loadSeconds: plan.loadSeconds,
    });
    const client = createEmbeddedClient({ path: dataDir });
    try {
      await moveShopAside(client);
      const generated = await generate(client, plan);
      await client.command({ query: `CREATE DATABASE ${VARIANTS_DATABASE}` });
      const traffics = [
        await trafficOf(client, {
          id: 'shop',
          name: `the shop demo (${plan.loadSeconds} s of load)`,
          base: 'shop.otel_traces',
          traceIds: plan.traceIds,
        }),
        await trafficOf(client, {
          id: 'dashboard',
          name: `the dashboard traffic (${plan.rangeMinutes} min)`,
          base: 'default.otel_traces',
          traceIds: plan.traceIds,
        }),
      ];
      const variants = [...VARIANTS];
      for (const traffic of traffics) {
        await measureCollector(client, traffic);
        for (const variant of VARIANTS)
          await measureOne(client, traffic, variant, changesOf(variant, traffic.description));
      }
      const combined = combinedVariant(winnersOf(traffics));
      if (combined !== undefined) {
        variants.push(combined.variant);
        for (const traffic of traffics) await measureOne(client, traffic, combined.variant, combined.changes);
      }
      return variantsReport({
        size,
        plan,
        demo,
        dashboardSpans: generated.traffic.spans,
        traffics,
        variants,
        pick: pickDefault(variants, traffics),
      });
    } finally {
      await client.close();
    }
  });
}

await runIfMain(import.meta.url, run);
