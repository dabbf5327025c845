// Rewrites the mapping table in README.md from the rules the code runs (dist must be built).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderMappingRulesTable } from '../dist/esm/internal.js';

const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const next = text.replace(
  /<!-- mapping-rules:start -->[\s\S]*?<!-- mapping-rules:end -->/,
  `<!-- mapping-rules:start -->\n${renderMappingRulesTable()}\n<!-- mapping-rules:end -->`,
);
if (next === text && !text.includes('<!-- mapping-rules:start -->'))
  throw new Error('README has no mapping-rules markers');
writeFileSync(readme, next);
