// Number and table formatting shared by the benchmarks' Markdown.

/** A whole number with thousands separators. */
export const int = (n) => Math.round(n).toLocaleString('en-US');

/** A ratio as a percentage: 3 decimals under 0.1%, else 2. */
export const percent = (x) => `${(100 * x).toFixed(x < 0.001 ? 3 : 2)}%`;

/** A share as a whole percentage (profile shares, parts of a total). */
export const share = (x) => `${Math.round(100 * x)}%`;

/**
 * A Markdown table. `columns` are header texts; one ending in ':' is right-aligned (the ':' is
 * not shown). `rows` are arrays of cells.
 */
export function markdownTable(columns, rows) {
  const head = columns.map((c) => (c.endsWith(':') ? c.slice(0, -1) : c));
  const rule = columns.map((c) => (c.endsWith(':') ? '---:' : '---'));
  return [head, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
