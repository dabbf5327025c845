import { PROVIDER_KEY_PREFIXES, PROVIDER_KEY_RULES, type ProviderKeyRule } from './provider-key-rules.js';

const escapeLiteral = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * One native scan for every rule's prefix: a text without any (most) costs one regex pass, and a
 * text with one runs only the rules of that prefix, each anchored (sticky) where it was found.
 * Prefixes are tried longest first, so a longer one wins at the same position.
 */
const PREFIX_SCAN = new RegExp(PROVIDER_KEY_PREFIXES.map(escapeLiteral).join('|'), 'g');

/** Per prefix, the rules that start with it, each as a sticky regex. */
const BY_PREFIX = new Map<string, RegExp[]>();
for (const rule of PROVIDER_KEY_RULES)
  for (const prefix of rule.prefixes) {
    const list = BY_PREFIX.get(prefix) ?? [];
    list.push(new RegExp(rule.pattern.source, 'y'));
    BY_PREFIX.set(prefix, list);
  }

/** Rules without a fixed start: a global scan each, only when the text holds its marker. */
const MARKED: readonly { marker: string; pattern: RegExp }[] = PROVIDER_KEY_RULES.filter(
  (rule): rule is ProviderKeyRule & { marker: string } => rule.marker !== undefined,
).map((rule) => ({ marker: rule.marker, pattern: new RegExp(rule.pattern.source, 'g') }));

function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * Pushes [start, end) of every provider credential in `text` onto `ranges`, sorted and not
 * overlapping. A prefix counts only at a word start (after no letter or digit), as `\b` would.
 */
export function findProviderKeys(text: string, ranges: number[]): void {
  const found: number[] = [];
  PREFIX_SCAN.lastIndex = 0;
  for (let hit = PREFIX_SCAN.exec(text); hit !== null; hit = PREFIX_SCAN.exec(text)) {
    const at = hit.index;
    // After a letter, digit or `.` the prefix is inside a word or a file name (`video_box.ico-7a38…`).
    if (at > 0 && (isAlnum(text.charCodeAt(at - 1)) || text.charCodeAt(at - 1) === 46)) continue;
    let end = -1;
    for (const sticky of BY_PREFIX.get(hit[0]) ?? []) {
      sticky.lastIndex = at;
      const match = sticky.exec(text);
      if (match !== null && at + match[0].length > end) end = at + match[0].length;
    }
    // A shorter prefix at the same place (`sk-` under `sk-ant-`…) was not tried by the alternation.
    if (end < 0) end = shorterPrefixMatch(text, at, hit[0]);
    if (end > at && !isPlaceholder(text, at + hit[0].length, end)) {
      found.push(at, end);
      PREFIX_SCAN.lastIndex = end;
    }
  }
  for (const { marker, pattern } of MARKED) {
    if (!text.includes(marker)) continue;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text))
      if (!isPlaceholder(text, match.index, match.index + match[0].length))
        found.push(match.index, match.index + match[0].length);
  }
  if (found.length === 0) return;
  // Marker matches come after the prefix ones: sort by start and merge overlaps.
  const order: number[] = [];
  for (let i = 0; i < found.length; i += 2) order.push(i);
  order.sort((a, b) => (found[a] as number) - (found[b] as number));
  let lastEnd = -1;
  for (const i of order) {
    const start = found[i] as number;
    const end = found[i + 1] as number;
    if (start >= lastEnd) {
      ranges.push(start, end);
      lastEnd = end;
    } else if (end > lastEnd) {
      ranges[ranges.length - 1] = end;
      lastEnd = end;
    }
  }
}

/** The end of a match of a rule whose (shorter) prefix also starts at `at`, or -1. */
function shorterPrefixMatch(text: string, at: number, matched: string): number {
  let end = -1;
  for (const [prefix, rules] of BY_PREFIX) {
    if (prefix.length >= matched.length || !text.startsWith(prefix, at)) continue;
    for (const sticky of rules) {
      sticky.lastIndex = at;
      const match = sticky.exec(text);
      if (match !== null && at + match[0].length > end) end = at + match[0].length;
    }
  }
  return end;
}

/**
 * A documentation stand-in, not a credential: the part after the prefix is mostly `x`/`X`, as in `glptt-xxxx…`, `xoxb-xxxxxxxxx-xxxxxxxxxx`, `api_org_XXXXXXXX`.
 */
function isPlaceholder(text: string, start: number, end: number): boolean {
  let filler = 0;
  let letters = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (!isAlnum(code)) continue;
    letters++;
    if (code === 120 || code === 88) filler++;
  }
  return letters > 0 && filler / letters >= 0.6;
}
