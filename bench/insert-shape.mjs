// Item 5 of the benchmarks: the shape of tracepoint's inserts at a steady span rate. The spans
// go through the full pipeline in a child process to the local ClickHouse HTTP server, through a
// pass-through HTTP proxy here that counts each INSERT per table and reads the rows it wrote
// from ClickHouse's X-ClickHouse-Summary header.
import { fork } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXPORTER_DEFAULTS } from '@tracepoint/exporter-clickhouse';
import { planOf, runIfMain } from './lib/cli.mjs';
import { markdownTable } from './lib/format.mjs';
import { startLocalClickHouseServer } from './lib/local-clickhouse-server.mjs';
import { inWorkDir } from './lib/work-dir.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const SIZES = { smoke: { seconds: 5, rate: 2_000 }, full: { seconds: 600, rate: 10_000 } };

/** Forwards every request to `target`, recording INSERTs: table, time, rows written. */
function startCountingProxy(target) {
  const inserts = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const query = new URL(req.url, 'http://x').searchParams.get('query') ?? '';
    const insert = /^\s*INSERT INTO\s+(\S+)/i.exec(query);
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        if (insert && answer.statusCode === 200) {
          const summary = JSON.parse(answer.headers['x-clickhouse-summary'] ?? '{}');
          inserts.push({
            table: insert[1].replaceAll('`', ''),
            at: Date.now(),
            rows: Number(summary.written_rows ?? 0),
          });
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, inserts, close: () => server.close() }),
    ),
  );
}

export async function run({ size = 'full' } = {}) {
  const plan = planOf(SIZES, size);
  const { generated, parts, inserts } = await inWorkDir('inserts', (work) => generate(work, plan));
  return report(plan, generated, parts, inserts);
}

/** The generator's spans through the proxy to a fresh server; what it sent, the inserts counted, the active parts. */
async function generate(work, plan) {
  const server = await startLocalClickHouseServer(work);
  const clickhouse = { url: new URL(server.url) };
  const proxy = await startCountingProxy(clickhouse.url);
  let generated;
  let parts;
  try {
    const generator = fork(join(here, 'insert-shape-generator.mjs'), [], {
      env: {
        ...process.env,
        TRACEPOINT_CLICKHOUSE_URL: proxy.url,
        BENCH_SECONDS: String(plan.seconds),
        BENCH_SPANS_PER_SECOND: String(plan.rate),
      },
    });
    generated = await new Promise((resolve, reject) => {
      generator.once('message', resolve);
      generator.once('exit', (code) => code !== 0 && reject(new Error(`generator exited with ${code}`)));
    });
    const response = await fetch(
      `${clickhouse.url.href}?query=${encodeURIComponent(
        "SELECT table, count() AS parts FROM system.parts WHERE active AND database = 'default' GROUP BY table ORDER BY table FORMAT JSON",
      )}`,
    );
    parts = Object.fromEntries((await response.json()).data.map((row) => [row.table, Number(row.parts)]));
  } finally {
    proxy.close();
    await server.stop();
  }
  return { generated, parts, inserts: proxy.inserts };
}

function report(plan, generated, parts, inserts) {
  const tables = [...new Set(inserts.map((i) => i.table))].sort();
  const perTable = tables.map((table) => {
    const mine = inserts.filter((i) => i.table === table);
    const serverRows = mine.reduce((n, i) => n + i.rows, 0);
    const name = table.split('.').pop();
    // The server's written_rows also counts what materialized views write (otel_traces feeds
    // otel_traces_trace_id_ts), so the mean is taken over the rows the exporter sent.
    const rows = generated.exporter.rowsWritten?.[name] ?? serverRows;
    return {
      table,
      inserts: mine.length,
      insertsPerSecond: mine.length / generated.seconds,
      rowsPerInsert: rows / mine.length,
      minServerRowsPerInsert: Math.min(...mine.map((i) => i.rows)),
      rows,
      serverRows,
      activeParts: parts[name] ?? 0,
    };
  });
  // The span table carries the load (one row per span, its trace points included); the stats
  // table gets one small insert per aggregator interval by design.
  const spanTables = perTable.filter((t) => /otel_traces$/.test(t.table));
  const worstRows = Math.min(...spanTables.map((t) => t.rowsPerInsert));
  const worstRate = Math.max(...perTable.map((t) => t.insertsPerSecond));
  const targets = [
    {
      name: `rows per insert into the span table (otel_traces) >= 5000 (at ${plan.rate} spans/s)`,
      target: 5000,
      measured: Math.round(worstRows),
      met: worstRows >= 5000,
    },
    {
      name: `inserts per second per table <= 1 (at ${plan.rate} spans/s)`,
      target: 1,
      measured: Number(worstRate.toFixed(3)),
      met: worstRate <= 1,
    },
  ];
  const table = markdownTable(
    [
      'table',
      'inserts:',
      'inserts/s:',
      'rows/insert (mean):',
      'rows sent:',
      'server written_rows:',
      'server written_rows/insert (min):',
      'active parts:',
    ],
    perTable.map((t) => [
      t.table,
      t.inserts,
      t.insertsPerSecond.toFixed(2),
      Math.round(t.rowsPerInsert),
      t.rows,
      t.serverRows,
      t.minServerRowsPerInsert,
      t.activeParts,
    ]),
  );
  const markdown = `${generated.spans} spans in ${generated.seconds.toFixed(0)} s (${Math.round(generated.spans / generated.seconds)} spans/s, target ${plan.rate}) through the full pipeline (cleaner, aggregator, exporter with its defaults: flush every ${EXPORTER_DEFAULTS.flushIntervalMillis / 1000} s or at ${EXPORTER_DEFAULTS.maxBatchBytes / 2 ** 20} MiB) to the local ClickHouse HTTP server, counted by a pass-through proxy. Each span is one otel_traces row, its trace points in its columns. Rows are those the exporter sent; the server's \`written_rows\` (its summary header) also counts rows its materialized views write, so for otel_traces it includes otel_traces_trace_id_ts (one row per trace). Active parts are read at the end of the run.

${table}
`;
  return {
    id: 'insert-shape',
    title: 'Insert shape at steady load',
    raw: { plan, generated, perTable, parts },
    markdown,
    targets,
  };
}

await runIfMain(import.meta.url, run);
