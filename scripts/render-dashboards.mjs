#!/usr/bin/env node
// Writes dashboards/<id>.sql and dashboards/grafana/tracepoint.json from @tracepoint/node's DASHBOARDS (run after a build).
// A test fails when the committed files differ from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';

const { DASHBOARDS, renderDashboardFile, renderGrafanaDashboard } = await import(
  new URL('../packages/node/dist/esm/index.js', import.meta.url).href
);
for (const dashboard of DASHBOARDS) {
  writeFileSync(
    new URL(`../dashboards/${dashboard.id}.sql`, import.meta.url),
    renderDashboardFile(dashboard),
  );
}
mkdirSync(new URL('../dashboards/grafana/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../dashboards/grafana/tracepoint.json', import.meta.url),
  `${JSON.stringify(renderGrafanaDashboard(), null, 2)}\n`,
);
console.log(`wrote ${DASHBOARDS.length} dashboards to dashboards/ and dashboards/grafana/tracepoint.json`);
