// How the dashboard benchmark checks that a dashboard and its raw-span query give the same answer.

/** How each dashboard's rows are matched to the raw rows: key columns, exact counts, ratios, quantiles. */
export const CHECKS = {
  'service-map': {
    key: ['source_component', 'target_component'],
    counts: ['calls'],
    ratios: ['error_ratio'],
    quantiles: ['p50_ms', 'p90_ms', 'p99_ms'],
  },
  'endpoints-red': {
    key: ['service', 'span_name', 'span_kind'],
    counts: ['requests'],
    ratios: ['error_ratio', 'mean_ms', 'min_ms', 'max_ms'],
    quantiles: ['p50_ms', 'p90_ms', 'p99_ms'],
  },
  'latency-over-time': {
    key: ['minute', 'service'],
    counts: ['requests'],
    ratios: [],
    quantiles: ['p50_ms', 'p90_ms', 'p99_ms'],
  },
  errors: { key: ['service', 'exception_type'], counts: ['exceptions'], ratios: [], quantiles: [] },
};

function keyOf(row, key) {
  return key.map((k) => String(row[k])).join(' | ');
}

/** Compares the dashboard's rows with the raw query's rows: same keys, same counts, quantiles within the sketch's accuracy. */
export function compareRows(id, aggregateRows, rawRows) {
  const check = CHECKS[id];
  const mismatches = [];
  const agg = new Map(aggregateRows.map((r) => [keyOf(r, check.key), r]));
  const raw = new Map(rawRows.map((r) => [keyOf(r, check.key), r]));
  for (const k of agg.keys()) if (!raw.has(k)) mismatches.push(`${k}: only in the dashboard`);
  for (const k of raw.keys()) if (!agg.has(k)) mismatches.push(`${k}: only in the raw query`);
  let worstQuantile = 0;
  let worstRatio = 0;
  for (const [k, a] of agg) {
    const r = raw.get(k);
    if (r === undefined) continue;
    for (const c of check.counts) {
      if (Math.round(Number(a[c])) !== Math.round(Number(r[c])))
        mismatches.push(`${k}: ${c} ${a[c]} vs ${r[c]}`);
    }
    for (const c of check.ratios) {
      const x = Number(a[c]);
      const y = Number(r[c]);
      const diff = Math.abs(x - y) / Math.max(Math.abs(y), 1e-9);
      worstRatio = Math.max(worstRatio, diff);
      if (diff > 1e-6) mismatches.push(`${k}: ${c} ${x} vs ${y}`);
    }
    for (const c of check.quantiles) {
      const x = Number(a[c]);
      const y = Number(r[c]);
      const diff = Math.abs(x - y) / Math.max(Math.abs(y), 1e-9);
      worstQuantile = Math.max(worstQuantile, diff);
      // The sketch's buckets are 1% wide (2% between bucket edges); the rank rule is quantileExact's.
      if (diff > 0.021) mismatches.push(`${k}: ${c} ${x} vs exact ${y}`);
    }
  }
  return { rows: aggregateRows.length, rawRows: rawRows.length, mismatches, worstQuantile, worstRatio };
}
