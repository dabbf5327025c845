import type { ClickHouseClient } from '@clickhouse/client';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import {
  ClickHouseSpanExporter,
  ENVIRONMENT_VARIABLES,
  type SchemaOptions,
  STATS_INDEX_GRANULARITY,
  schemaStatements,
  TRACE_POINT_COLUMNS,
  TRACE_POINTS_COLUMNS,
  type TracePointStatsRecord,
} from '@tracepoint/exporter-clickhouse';
import {
  resolveExporterConfig,
  schemaMigrations,
  TRACE_POINT_INSERT_COLUMNS,
  versionAtLeast,
} from '@tracepoint/exporter-clickhouse/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';

const dataDir = tempDataDir('exporter-schema');
let engine: ClickHouseClient;

beforeAll(() => {
  engine = createEmbeddedClient({ path: dataDir.path });
});
afterAll(async () => {
  await engine?.close();
  dataDir.remove();
});

const base: SchemaOptions = {
  database: 'tp',
  tracesTable: 'otel_traces',
  tracePointsTable: 'trace_points',
  statsTable: 'trace_point_stats',
  tracePoints: true,
  ttlDays: 7,
};

/** The statement as the engine's parser reads it back (throws when it does not parse). */
async function formatted(sql: string): Promise<string> {
  const [row] = await (
    await engine.query({
      query: 'SELECT formatQuery({sql:String}) AS f',
      format: 'JSONEachRow',
      query_params: { sql },
    })
  ).json<{ f: string }>();
  return String(row?.f);
}

describe('migrations', () => {
  it('are otel_traces, trace_point_stats, the trace-point columns and the view over otel_traces', () => {
    const steps = (options: SchemaOptions) =>
      schemaMigrations(options).map(({ version, name }) => ({ version, name }));
    expect(steps(base)).toEqual([
      { version: 1, name: 'otel_traces with trace-id lookup' },
      { version: 3, name: 'trace_point_stats' },
      { version: 4, name: 'trace-point columns in otel_traces' },
      { version: 5, name: 'trace_points view over otel_traces' },
      { version: 6, name: 'client_errors in trace_point_stats' },
    ]);
    // Without trace points there is no view; the columns are still added (their defaults cost nothing).
    expect(steps({ ...base, tracePoints: false }).map(({ version }) => version)).toEqual([1, 3, 4, 6]);
    // Nothing creates or reads the separate trace-point table of earlier releases in a new store.
    expect(schemaStatements(base).join('\n')).not.toMatch(/trace_points_spans/);
  });
});

describe('cluster DDL (no cluster runs here: checked with the engine parser)', () => {
  const statements = schemaStatements({ ...base, cluster: 'traces' });

  it.each(statements.map((sql, i) => ({ i, sql })))('statement $i parses', async ({ sql }) => {
    expect(await formatted(sql)).toMatch(/ON CLUSTER traces/);
  });

  it('adds the trace-point columns to the shards and the Distributed table, and the view reads the Distributed one', async () => {
    const migrations = schemaMigrations({ ...base, cluster: 'traces' });
    const columns = migrations.find((migration) => migration.version === 4)?.statements ?? [];
    expect(columns).toHaveLength(2);
    const [local, distributed] = await Promise.all(columns.map(formatted));
    // The Distributed table must list the columns too, or inserts through it could not route them.
    expect(local).toMatch(/^ALTER TABLE tp\.otel_traces_local ON CLUSTER traces\n/);
    expect(distributed).toMatch(/^ALTER TABLE tp\.otel_traces ON CLUSTER traces\n/);
    for (const name of TRACE_POINT_INSERT_COLUMNS) {
      expect(local).toContain(`ADD COLUMN IF NOT EXISTS \`${name}\``);
      expect(distributed).toContain(`ADD COLUMN IF NOT EXISTS \`${name}\``);
    }
    const view = migrations.find((migration) => migration.version === 5)?.statements ?? [];
    expect(view).toHaveLength(1);
    const text = await formatted(view[0] as string);
    expect(text).toMatch(/^CREATE OR REPLACE VIEW tp\.trace_points ON CLUSTER traces\n/);
    // Every shard's spans: the Distributed table, not the local one.
    expect(text).toMatch(/FROM tp\.otel_traces\n/);
    expect(text).not.toMatch(/otel_traces_local/);
  });

  it('uses replicated storage on each shard and Distributed tables for reads and writes', () => {
    const text = statements.join('\n');
    expect(text).toMatch(/CREATE TABLE IF NOT EXISTS `tp`.`otel_traces_local` ON CLUSTER `traces`/);
    expect(text).toMatch(/ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}/);
    expect(text).toMatch(/ENGINE = ReplicatedAggregatingMergeTree/);
    expect(text).toMatch(/Distributed\(`traces`, `tp`, `otel_traces_local`, cityHash64\(TraceId\)\)/);
    expect(text).toMatch(
      /TO `tp`.`otel_traces_trace_id_ts_local` AS\nSELECT .*\nFROM `tp`.`otel_traces_local`/,
    );
    expect(text).toMatch(/CREATE OR REPLACE VIEW `tp`.`trace_points` ON CLUSTER `traces`/);
  });

  it('a single-server schema applies on the engine, with TTL and ttl_only_drop_parts', async () => {
    // Twice: every step is idempotent (IF NOT EXISTS, OR REPLACE).
    for (let round = 0; round < 2; round++)
      for (const query of schemaStatements(base)) await engine.command({ query });
    const [row] = await (
      await engine.query({
        query: "SELECT engine_full AS e FROM system.tables WHERE database = 'tp' AND name = 'otel_traces'",
        format: 'JSONEachRow',
      })
    ).json<{ e: string }>();
    expect(row?.e).toMatch(/TTL toDateTime\(Timestamp\) \+ toIntervalDay\(7\)/);
    expect(row?.e).toMatch(/ttl_only_drop_parts = 1/);
    const columns = await (
      await engine.query({ query: 'DESCRIBE TABLE tp.trace_points', format: 'JSONEachRow' })
    ).json<{ name: string; type: string }>();
    expect(columns.map(({ name, type }) => ({ name, type }))).toEqual(
      TRACE_POINTS_COLUMNS.map(({ name, type }) => ({ name, type })),
    );
    // The span table ends with the trace-point columns, each with its default (a Collector's INSERT omits them).
    const spanColumns = await (
      await engine.query({ query: 'DESCRIBE TABLE tp.otel_traces', format: 'JSONEachRow' })
    ).json<{ name: string; type: string; default_type: string; default_expression: string }>();
    expect(
      spanColumns
        .slice(-TRACE_POINT_COLUMNS.length)
        .map(({ name, type, default_type, default_expression }) => ({
          name,
          type,
          default: default_type === 'DEFAULT' ? default_expression : undefined,
        })),
    ).toEqual(TRACE_POINT_COLUMNS.map(({ name, type, default: value }) => ({ name, type, default: value })));
    const [tables] = await (
      await engine.query({
        query:
          "SELECT groupArray(name) AS names FROM (SELECT name FROM system.tables WHERE database = 'tp' ORDER BY name)",
        format: 'JSONEachRow',
      })
    ).json<{ names: string[] }>();
    expect(tables?.names).toEqual([
      'otel_traces',
      'otel_traces_trace_id_ts',
      'otel_traces_trace_id_ts_mv',
      'trace_point_stats',
      'trace_points',
      'tracepoint_schema_migrations',
    ]);
  });
});

describe('configuration', () => {
  it('defaults to the store service on ./.tracepoint/clickhouse', () => {
    expect(resolveExporterConfig({}, {}).destination).toMatchObject({
      kind: 'store',
      path: './.tracepoint/clickhouse',
    });
  });

  it('reads TRACEPOINT_CLICKHOUSE_* for URL (with failover), user, password and database; options win', () => {
    const env = {
      [ENVIRONMENT_VARIABLES.url]: 'http://a:8123, https://b:8443',
      [ENVIRONMENT_VARIABLES.username]: 'writer',
      [ENVIRONMENT_VARIABLES.password]: 's3cret',
      [ENVIRONMENT_VARIABLES.database]: 'traces',
    };
    expect(resolveExporterConfig({}, env)).toMatchObject({
      destination: { kind: 'http', urls: ['http://a:8123', 'https://b:8443'] },
      username: 'writer',
      password: 's3cret',
      database: 'traces',
    });
    expect(resolveExporterConfig({ url: 'chdb:/data/ch', database: 'mine' }, env)).toMatchObject({
      destination: { kind: 'embedded', path: '/data/ch' },
      database: 'mine',
    });
    expect(
      resolveExporterConfig({}, { [ENVIRONMENT_VARIABLES.url]: './local-data' }).destination,
    ).toMatchObject({
      kind: 'store',
      path: './local-data',
    });
  });

  it.each([
    [{ url: 'ftp://x' }, /url must be http\(s\):\/\/ URLs/],
    [{ mode: 'later' }, /mode must be 'async', 'sync' or 'push'/],
    [{ database: 'a-b' }, /database must be a plain identifier/],
    [
      { requestTimeoutMillis: 40_000 },
      /option requestTimeoutMillis must be below exportTimeoutMillis \(30000\) so a retry fits, got 40000/,
    ],
    [{ maxBatchRows: 0 }, /option maxBatchRows must be an integer >= 1, got 0/],
  ])('refuses %j with a message naming the option', (options, message) => {
    expect(() => resolveExporterConfig(options as never, {})).toThrow(message);
  });

  it('compares server versions', () => {
    expect(versionAtLeast('26.7.2.1', '23.8')).toBe(true);
    expect(versionAtLeast('23.8.1', '23.8')).toBe(true);
    expect(versionAtLeast('23.3.9', '23.8')).toBe(false);
    expect(versionAtLeast('18.16.1', '23.8')).toBe(false);
  });
});

describe('trace_point_stats sort key', () => {
  it('lets a dashboard time window read only its own granules', async () => {
    const database = 'stats_key';
    const exporter = new ClickHouseSpanExporter({ client: engine, database, mode: 'sync' });
    // Two hours of one-minute rows: 3 stat types x 40 keys x 120 minutes = 14,400 rows.
    const end = Math.floor(Date.now() / 3_600_000) * 3_600;
    const records: TracePointStatsRecord[] = [];
    for (let minute = 0; minute < 120; minute++)
      for (const statType of ['endpoint', 'edge', 'exception'] as const)
        for (let key = 0; key < 40; key++)
          records.push({
            intervalStartSeconds: end - 7_200 + minute * 60,
            intervalSeconds: 60,
            statType,
            service: `svc-${key % 8}`,
            spanName: `op-${key}`,
            spanKind: 'Server',
            statusCode: 'Unset',
            sourceComponent: `svc-${key % 5}`,
            targetComponent: `svc-${key % 8}`,
            sourceMethod: '',
            targetMethod: `op-${key}`,
            exceptionType: '',
            spanCount: 10,
            count: 10,
            errorCount: 0,
            durationSumMs: 50,
            durationMinMs: 1,
            durationMaxMs: 9,
            sketchKeys: [100],
            sketchCounts: [10],
          });
    expect(await exporter.writeStats(records)).toBe(0);
    await engine.command({ query: `OPTIMIZE TABLE ${database}.trace_point_stats FINAL` });
    const estimate = async (where: string) => {
      const result = await engine.query({
        query: `EXPLAIN ESTIMATE SELECT sum(count) FROM ${database}.trace_point_stats WHERE ${where}`,
        format: 'JSONEachRow',
      });
      return Number(((await result.json()) as { rows: string }[])[0]?.rows);
    };
    const lastQuarter = `stat_type = 'endpoint' AND interval_start >= toDateTime(${end - 900}) AND interval_start < toDateTime(${end})`;
    // 15 minutes of endpoint rows are 600; their granules, not the 4,800 endpoint rows or all 14,400.
    expect(await estimate(lastQuarter)).toBeLessThanOrEqual(600 + 2 * STATS_INDEX_GRANULARITY);
    expect(await estimate("stat_type = 'endpoint'")).toBeGreaterThanOrEqual(4_800);
    await exporter.shutdown();
  });
});
