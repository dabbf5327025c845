// `@tracepoint/node/internal`: the parts the package's bin, its tests and the repository's scripts
// reach into (the `tracepoint` command, its table and HTML rendering, the Grafana SQL and variables,
// the environment-to-options step of the add-on). Not a stable API: any name here may change or
// go in any release. Users import from `@tracepoint/node` or run the `tracepoint` command.
export { formatTable, runCli, runDashboardCommand } from './dashboard-command.js';
export { escapeHtml, renderDashboardHtml } from './dashboard-html.js';
export { grafanaSql, grafanaVariable } from './dashboards.js';
export { optionsFromEnvironment } from './start-tracepoint.js';
