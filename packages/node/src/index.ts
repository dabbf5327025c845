export { formatTable, runCli, runDashboardCommand } from './dashboard-command.js';
export { escapeHtml, renderDashboardHtml } from './dashboard-html.js';
export {
  DASHBOARDS,
  type Dashboard,
  type DashboardParameter,
  grafanaSql,
  grafanaVariable,
  renderDashboardFile,
  renderGrafanaDashboard,
} from './dashboards.js';
export { type EsmHook, type EsmHookOptions, registerEsmHook } from './esm-hook.js';
export {
  optionsFromEnvironment,
  type StartedTracepoint,
  type StartOptions,
  startTracepoint,
} from './start-tracepoint.js';
export {
  type TracepointOptions,
  type TracepointPipeline,
  tracepointSpanProcessors,
} from './tracepoint-processors.js';
