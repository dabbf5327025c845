/** The kinds of keys @tracepoint/processor-aggregator counts under. */
export type StatType = 'endpoint' | 'edge' | 'exception';

/**
 * One key's aggregates over one interval: what the aggregator produces and
 * what the exporter's `trace_point_stats` table stores (columns in
 * @tracepoint/exporter-clickhouse). Dimensions a stat type does not use are ''.
 * Defined here, in the package both depend on, so neither depends on the other.
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
  durationSumMs: number;
  durationMinMs: number;
  durationMaxMs: number;
  sketchKeys: readonly number[];
  sketchCounts: readonly number[];
}
