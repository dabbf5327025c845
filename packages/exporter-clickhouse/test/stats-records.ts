import type { StatsRecord } from '@tracepoint/core';

/** One endpoint row of the aggregator, `count` calls of `service` in a fixed interval. */
export function endpointRecord(
  service: string,
  count: number,
  extra: Partial<StatsRecord> = {},
): StatsRecord {
  return {
    intervalStartSeconds: 1_780_000_000,
    intervalSeconds: 60,
    statType: 'endpoint',
    service,
    spanName: 'GET /items/:id',
    spanKind: 'Server',
    statusCode: 'Unset',
    sourceComponent: '',
    targetComponent: '',
    sourceMethod: '',
    targetMethod: '',
    exceptionType: '',
    spanCount: count,
    count,
    errorCount: 0,
    durationSumMs: count,
    durationMinMs: 1,
    durationMaxMs: 1,
    sketchKeys: [1],
    sketchCounts: [count],
    ...extra,
  };
}
