#!/usr/bin/env node
// Writes dashboards/<id>.sql from @tracepoint/node's DASHBOARDS (run after a build).
// A test fails when the committed files differ from what this writes.
import { writeFileSync } from 'node:fs';

const { DASHBOARDS, renderDashboardFile } = await import(
  new URL('../packages/node/dist/esm/index.js', import.meta.url).href
);
for (const dashboard of DASHBOARDS) {
  writeFileSync(
    new URL(`../dashboards/${dashboard.id}.sql`, import.meta.url),
    renderDashboardFile(dashboard),
  );
}
console.log(`wrote ${DASHBOARDS.length} dashboards to dashboards/`);
