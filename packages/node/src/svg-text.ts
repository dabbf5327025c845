// Text helpers shared by the page's SVG drawings (service map, waterfall, charts).

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function num(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

/**
 * The SVG labels use a monospace font (the CSS below), so a label's width is
 * known in Node, where the layout runs, without a browser to measure it:
 * DejaVu Sans Mono, Menlo and Consolas advance 0.60-0.62 em per character; 0.62
 * leaves room for the widest.
 */
export const LABEL_FONT_PX = 11;
export const LABEL_FONT = `font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono','Liberation Mono',monospace;font-size:${LABEL_FONT_PX}px`;

export function textWidth(text: string, fontPx = LABEL_FONT_PX): number {
  return [...text].length * fontPx * 0.62;
}

/** At most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** Milliseconds for a reader: 0.42 ms, 12.3 ms, 871 ms, 1.09 s. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A calls-or-requests count per second or per minute, whichever reads as a number above 1. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1) return `${perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1)}/s`;
  const perMinute = perSecond * 60;
  return `${perMinute >= 10 ? perMinute.toFixed(0) : perMinute.toFixed(1)}/min`;
}

export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  if (percent === 0) return '0%';
  if (percent < 0.1) return '<0.1%';
  return `${percent >= 10 ? percent.toFixed(0) : percent.toFixed(1)}%`;
}

/** Fixed colours per service (in order of first appearance), readable as bar fills under dark text. */
const PALETTE = ['#54aeff', '#4ac26b', '#d4a72c', '#c297ff', '#ff8182', '#6fdde6', '#ffa657', '#a5b4c4'];

export function serviceColours(services: Iterable<string>): Map<string, string> {
  const colours = new Map<string, string>();
  for (const service of services) {
    if (!colours.has(service)) colours.set(service, PALETTE[colours.size % PALETTE.length] as string);
  }
  return colours;
}
