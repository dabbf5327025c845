/** The kinds of keys @tracepoint/processor-aggregator counts under. */
export type StatType = 'endpoint' | 'edge' | 'exception';

/**
 * One key's aggregates over one interval: what the aggregator produces and
 * what the exporter's `trace_point_stats` table stores (columns in
 * @tracepoint/exporter-clickhouse). Dimensions a stat type does not use are ''.
 * Sketch key k counts durations in (γ^(k-1), γ^k] ms, γ = SKETCH_GAMMA.
 */
export interface StatsRecord {
  intervalStartSeconds: number;
  intervalSeconds: number;
  statType: StatType;
  service: string;
  spanName: string;
  spanKind: string;
  statusCode: string;
  sourceComponent: string;
  targetComponent: string;
  sourceMethod: string;
  targetMethod: string;
  exceptionType: string;
  spanCount: number;
  count: number;
  errorCount: number;
  /**
   * Endpoint keys of SERVER spans: those answered with an HTTP 4xx status (not errors, the
   * client's fault), unweighted like spanCount. Optional: a writer that leaves it out counts none.
   */
  clientErrors?: number;
  durationSumMs: number;
  durationMinMs: number;
  durationMaxMs: number;
  sketchKeys: readonly number[];
  sketchCounts: readonly number[];
}

/** Relative accuracy of the latency sketches: a quantile read back is within 1% of the true value. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;
/**
 * Bucket growth factor γ = (1 + α) / (1 - α). The aggregator buckets by it and
 * the exporter's quantile SQL reads buckets back with it; rows written with
 * another γ would merge into wrong quantiles.
 */
export const SKETCH_GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
/** ln γ, the divisor of the bucket key. */
export const SKETCH_LOG_GAMMA = Math.log(SKETCH_GAMMA);

/** The value that replaces a dimension over its cap, as OTel SDKs mark overflow series. */
export const OVERFLOW_VALUE = 'otel.metric.overflow';
