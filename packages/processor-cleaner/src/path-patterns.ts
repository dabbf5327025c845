import { escapeRegExp } from './text-pattern.js';

/**
 * Path templates that are their own match: `/-/package/{name}/dist-tags/{tag}` matches
 * `/-/package/tp-demo-a/dist-tags/beta` and names it with the template. A `{word}` stands for one
 * path segment or a part of one (`{name}-{version}.tgz`), never for a `/`. This is the form of
 * `TRACEPOINT_PATH_PATTERNS` (comma-separated) and of a string in `pathPatterns`; the Elastic APM
 * agents' `transaction_name_groups` is the same idea with `*` wildcards.
 */
export interface TemplatePattern {
  readonly match: RegExp;
  readonly template: string;
}

const PLACEHOLDER = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * The pattern of one template, or the reason it is not one (what is wrong; the caller names the
 * option or variable and the template).
 */
export function templatePattern(template: string): TemplatePattern | string {
  if (!template.startsWith('/')) return 'must be a path starting with /';
  if (/[\s?#*]/.test(template)) {
    return 'must be a path without blanks, query, fragment or *';
  }
  let source = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    const close = template.indexOf('}', i);
    if (open < 0) {
      if (close >= 0) return 'has a } without its {';
      source += escapeRegExp(template.slice(i));
      break;
    }
    if (close >= 0 && close < open) return 'has a } without its {';
    const end = template.indexOf('}', open);
    if (end < 0) return 'has a { without its }';
    const name = template.slice(open + 1, end);
    if (!PLACEHOLDER.test(name)) {
      return `has the placeholder {${name}}: write a name such as {name}`;
    }
    if (template[end + 1] === '{') {
      return 'has two placeholders in a row: nothing tells where one ends';
    }
    source += `${escapeRegExp(template.slice(i, open))}[^/]+?`;
    i = end + 1;
  }
  return { match: new RegExp(`^${source}$`), template };
}

/**
 * `TRACEPOINT_PATH_PATTERNS`: comma-separated templates (blanks around items and empty items
 * ignored). Throws a TypeError naming `variable` and the item when one is not a template.
 */
export function pathPatternsFromText(text: string, variable: string): TemplatePattern[] {
  const patterns: TemplatePattern[] = [];
  const items = text.split(',');
  for (let i = 0; i < items.length; i++) {
    const item = (items[i] as string).trim();
    if (item === '') continue;
    const pattern = templatePattern(item);
    if (typeof pattern === 'string')
      throw new TypeError(`${variable}: ${JSON.stringify(item)} (item ${i + 1}) ${pattern}`);
    patterns.push(pattern);
  }
  return patterns;
}
