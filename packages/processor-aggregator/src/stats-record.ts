export type { StatsRecord, StatType } from '@tracepoint/semantic-mapping';

/** The value that replaces a dimension over its cap, as OTel SDKs mark overflow series. */
export const OVERFLOW_VALUE = 'otel.metric.overflow';
