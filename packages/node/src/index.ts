// The public surface. What only the package's own bin, tests and tools need is in ./internal.ts
// (`@tracepoint/node/internal`), which may change in any release.
export type { DashboardTables } from './dashboard-tables.js';
export {
  DASHBOARDS,
  type Dashboard,
  type DashboardParameter,
  renderDashboardFile,
  renderGrafanaDashboard,
} from './dashboards.js';
export { type EsmHook, type EsmHookOptions, registerEsmHook } from './esm-hook.js';
export { type StartedTracepoint, type StartOptions, startTracepoint } from './start-tracepoint.js';
export {
  type TracepointOptions,
  type TracepointPipeline,
  tracepointSpanProcessors,
} from './tracepoint-processors.js';
