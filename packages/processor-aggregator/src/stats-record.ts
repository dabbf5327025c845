/** The kinds of keys the aggregator counts under. */
export type StatType = 'endpoint' | 'edge' | 'exception';

/**
 * One key's aggregates over one interval: a row of the `trace_point_stats`
 * table (its columns in @tracepoint/exporter-clickhouse). Dimensions a stat
 * type does not use are ''.
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
  sketchKeys: number[];
  sketchCounts: number[];
}

/** The value that replaces a dimension over its cap, as OTel SDKs mark overflow series. */
export const OVERFLOW_VALUE = 'otel.metric.overflow';
