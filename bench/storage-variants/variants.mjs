// The storage variants of otel_traces: each is the exporter's own table (read back from the
// engine, so it is exactly what the exporter created) with one thing changed. Every variant keeps
// the Collector's column names and a type its readers accept (LowCardinality(String) where String
// was: Grafana, HyperDX and the Collector's INSERT see strings either way); `checkReaderTypes`
// refuses any other change.

const zstdLevel = (level) => (c) =>
  c.codec.includes('ZSTD(1)') ? { codec: c.codec.replace('ZSTD(1)', `ZSTD(${level})`) } : undefined;
const only = (name, change) => (c) => (c.name === name ? change : undefined);

export const CURRENT = 'current';

/** The variants, each one change against the exporter's table (`current`). */
export const VARIANTS = [
  { id: CURRENT, differs: "tracepoint's otel_traces as the exporter creates it" },
  {
    id: 'resource-lc',
    differs: 'ResourceAttributes `Map(LowCardinality(String), LowCardinality(String))`',
    columns: only('ResourceAttributes', { type: 'Map(LowCardinality(String), LowCardinality(String))' }),
  },
  { id: 'zstd3', differs: 'ZSTD(3) instead of ZSTD(1) on every column', columns: zstdLevel(3) },
  { id: 'zstd6', differs: 'ZSTD(6) instead of ZSTD(1) on every column', columns: zstdLevel(6) },
  {
    id: 'timestamp-doubledelta',
    differs: 'Timestamp `DoubleDelta, ZSTD(1)`',
    columns: only('Timestamp', { codec: 'DoubleDelta, ZSTD(1)' }),
  },
  {
    id: 'duration-t64',
    differs: 'Duration `T64, ZSTD(1)`',
    columns: only('Duration', { codec: 'T64, ZSTD(1)' }),
  },
  {
    id: 'key-hour',
    differs: 'ORDER BY (ServiceName, toStartOfHour(Timestamp), SpanName, Timestamp)',
    orderBy: 'ServiceName, toStartOfHour(Timestamp), SpanName, Timestamp',
  },
  {
    id: 'key-hour-trace',
    differs: 'ORDER BY (ServiceName, toStartOfHour(Timestamp), TraceId, Timestamp)',
    orderBy: 'ServiceName, toStartOfHour(Timestamp), TraceId, Timestamp',
  },
  {
    id: 'key-plus-trace',
    differs: 'ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), TraceId)',
    orderBy: 'ServiceName, SpanName, toDateTime(Timestamp), TraceId',
  },
  { id: 'granularity-2048', differs: 'index_granularity 2048', granularity: 2048 },
];

/** What a variant changes against `base` (a described table): changed columns, sort key, granularity. */
export function changesOf(variant, base) {
  const columns = {};
  for (const c of base.columns) {
    const change = variant.columns?.(c);
    if (change !== undefined) columns[c.name] = change;
  }
  return { columns, orderBy: variant.orderBy, granularity: variant.granularity };
}

/** CREATE TABLE for `base` with `changes`, as `database.table`. */
export function variantDdl(base, changes, database, table) {
  const columns = base.columns.map((c) => {
    const { type, codec } = { ...c, ...changes.columns[c.name] };
    return `\`${c.name}\` ${type}${codec ? ` CODEC(${codec})` : ''}`;
  });
  const indexes = base.indexes.map(
    (i) => `INDEX ${i.name} ${i.expr} TYPE ${i.type} GRANULARITY ${i.granularity}`,
  );
  return `CREATE TABLE ${database}.${table} (\n  ${[...columns, ...indexes].join(',\n  ')}\n) ENGINE = MergeTree
PARTITION BY ${base.partitionKey}
ORDER BY (${changes.orderBy ?? base.sortingKey})
SETTINGS index_granularity = ${changes.granularity ?? base.granularity}`;
}

const readerType = (type) => type.replaceAll(/LowCardinality\(([^()]*)\)/g, '$1');

/** Throws unless `table` has the base's column names in order, with types equal up to LowCardinality. */
export function checkReaderTypes(base, table, name) {
  const names = (t) => t.columns.map((c) => c.name).join(',');
  if (names(base) !== names(table)) throw new Error(`variant ${name} changed the column names`);
  for (const [i, c] of table.columns.entries()) {
    if (readerType(c.type) !== readerType(base.columns[i].type))
      throw new Error(`variant ${name}: ${c.name} is ${c.type}, readers expect ${base.columns[i].type}`);
  }
}

/**
 * The combination computed from the measured single changes: each column change, sort key and
 * granularity of a variant that was smaller than `current` on every traffic without reading more
 * than allowed; where two change the same column's type or codec, the one whose column came out smaller.
 * `winners` are { variant, changes, columnBytes: { name: bytes summed over traffics } }.
 */
export function combinedVariant(winners) {
  const columns = {};
  const picked = {};
  // A column's type and its codec are picked apart: a LowCardinality type and a stronger codec add up.
  for (const w of winners) {
    for (const [name, change] of Object.entries(w.changes.columns)) {
      for (const [what, value] of Object.entries(change)) {
        const key = `${name}.${what}`;
        if (picked[key] === undefined || w.columnBytes[name] < picked[key].bytes) {
          picked[key] = { bytes: w.columnBytes[name], id: w.variant.id };
          columns[name] = { ...columns[name], [what]: value };
        }
      }
    }
  }
  // Winners are in ascending total bytes: the first with a sort key or granularity is the smallest.
  const keyed = winners.find((w) => w.changes.orderBy !== undefined);
  const granular = winners.find((w) => w.changes.granularity !== undefined);
  const parts = [...new Set(Object.values(picked).map((p) => p.id))];
  if (keyed) parts.push(keyed.variant.id);
  if (granular) parts.push(granular.variant.id);
  if (parts.length < 2) return undefined;
  return {
    variant: { id: 'combined', differs: `computed: ${parts.join(' + ')}` },
    changes: { columns, orderBy: keyed?.changes.orderBy, granularity: granular?.changes.granularity },
  };
}
