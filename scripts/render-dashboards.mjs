#!/usr/bin/env node
// Writes dashboards/<id>.sql and dashboards/grafana/tracepoint.json from @tracepoint/node's DASHBOARDS (run after a build),
// over the exporter's default table names, unqualified. A test fails when the committed files differ from what this writes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
const grafana = fileURLToPath(new URL('../dashboards/grafana/tracepoint.json', import.meta.url));
writeFileSync(grafana, `${JSON.stringify(renderGrafanaDashboard(), null, 2)}\n`);
// In the layout `pnpm lint` keeps, so a render with no change leaves no diff.
execFileSync(
  fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url)),
  ['format', '--write', grafana],
  {
    stdio: 'ignore',
  },
);
console.log(`wrote ${DASHBOARDS.length} dashboards to dashboards/ and dashboards/grafana/tracepoint.json`);
