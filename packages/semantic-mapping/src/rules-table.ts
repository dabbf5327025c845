import { OLD_ATTRIBUTE_NAMES } from '@tracepoint/core';
import type { MappingRule } from './mapping-rules.js';
import { METHOD_RULES, TARGET_COMPONENT_RULES } from './mapping-rules.js';

function attributeCell(rule: MappingRule): string {
  return rule.reads
    .map((names) =>
      names.map((name) => (OLD_ATTRIBUTE_NAMES.has(name) ? `\`${name}\` (old)` : `\`${name}\``)).join(' / '),
    )
    .join(', ');
}

function rows(rules: readonly MappingRule[], field: string): string[] {
  return rules.map(
    (rule, i) =>
      `| ${field} | ${i + 1} | ${rule.name} | ${attributeCell(rule)} | ${rule.produces} | \`${(rule.examples[0] as { expected: string }).expected}\` |`,
  );
}

/**
 * The mapping table as Markdown, rendered from the rules the code runs. The
 * package README holds this between `<!-- mapping-rules:start -->` and
 * `<!-- mapping-rules:end -->`; a test fails when they differ.
 */
export function renderMappingRulesTable(): string {
  return [
    '| Field | Priority | Rule | Attributes (stable / old) | Produces | Example |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows(TARGET_COMPONENT_RULES, 'target component (client, producer)'),
    '| target component (client, producer) | last | none matched | | `unknown` | |',
    ...rows(METHOD_RULES, 'method'),
    '| method | last | none matched | | the span name | |',
  ].join('\n');
}
