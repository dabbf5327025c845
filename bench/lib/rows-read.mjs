// Rows a query reads in the embedded engine. chDB has no system.query_log and its result stats
// count result rows, not rows read (the X-ClickHouse-Summary `read_rows` of a SELECT is the result
// row count). The engine's global ProfileEvents do count them: `SelectedRows` in system.events
// ("rows SELECTed from all tables", the counter a server also reports per query in
// query_log.ProfileEvents, next to read_rows). Each query is measured as the counter's difference
// around it, minus what the probe query on system.events itself adds (measured by probing twice),
// nothing else running in the engine. EXPLAIN ESTIMATE (rows in the granules selected after index
// analysis, per table) comes with it.
import { rowsOf } from './clickhouse-rows.mjs';

// The query condition cache (on by default since ClickHouse 25.3) remembers granules where a
// filter was false and skips them when the same condition runs again: a repeated query would read
// fewer rows than a fresh one. Off, so both sides are measured as they read on a first run.
const MEASURE_SETTINGS = { use_query_condition_cache: 0 };

/** A query's rows, with the settings every query of a rows-read measurement runs with. */
export const measuredRowsOf = (client, query, params) => rowsOf(client, query, params, MEASURE_SETTINGS);

async function selectedCounters(client) {
  const rows = await rowsOf(
    client,
    "SELECT event, value FROM system.events WHERE event IN ('SelectedRows', 'SelectedBytes', 'SelectedMarks')",
    undefined,
    MEASURE_SETTINGS,
  );
  const out = { SelectedRows: 0, SelectedBytes: 0, SelectedMarks: 0 };
  for (const row of rows) out[row.event] = Number(row.value);
  return out;
}

/** Runs `sql` and returns its rows and what it selected from tables (SelectedRows delta, probe cost removed). */
async function measureOnce(client, sql, params) {
  const a = await selectedCounters(client);
  const b = await selectedCounters(client);
  const data = await rowsOf(client, sql, params, MEASURE_SETTINGS);
  const c = await selectedCounters(client);
  const delta = (key) => c[key] - b[key] - (b[key] - a[key]);
  return {
    data,
    readRows: delta('SelectedRows'),
    readBytes: delta('SelectedBytes'),
    marks: delta('SelectedMarks'),
  };
}

export async function measureRowsRead(client, sql, params) {
  // Twice: the first run may touch engine state for the first time; the second is reported, and
  // the two must agree (they do when nothing else runs in the engine).
  const first = await measureOnce(client, sql, params);
  const second = await measureOnce(client, sql, params);
  const estimate = await rowsOf(client, `EXPLAIN ESTIMATE ${sql}`, params, MEASURE_SETTINGS);
  return {
    data: second.data,
    readRows: second.readRows,
    readBytes: second.readBytes,
    stable: first.readRows === second.readRows,
    firstReadRows: first.readRows,
    estimate: estimate.map((e) => ({
      table: e.table,
      rows: Number(e.rows),
      parts: Number(e.parts),
      marks: Number(e.marks),
    })),
  };
}
