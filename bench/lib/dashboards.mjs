// The one place the benchmarks read tracepoint's dashboard definitions (DASHBOARDS of
// @tracepoint/node), so a change to their shape is adapted here only.
import { DASHBOARDS } from '@tracepoint/node';

/** The dashboards that read aggregates (alone or with a raw sample): id, what they read, their SQL over the default tables. */
export function aggregateDashboards() {
  return DASHBOARDS.filter((d) => d.reads !== 'raw').map((d) => ({
    id: d.id,
    reads: d.reads,
    sql: typeof d.query === 'function' ? d.query() : d.sql,
  }));
}
