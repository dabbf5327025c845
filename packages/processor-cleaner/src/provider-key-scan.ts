import { isAsciiAlnum as isAlnum, mergeRanges } from './masked-ranges.js';
import { MARKED } from './provider-key-markers.js';
import { PROVIDER_KEY_PREFIXES, PROVIDER_KEY_RULES } from './provider-key-rules.js';
import { emptyFeatures, type TextFeatures, textFeatures } from './text-features.js';

const escapeLiteral = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Every rule's prefix, as one sticky regex tried only at word starts where PAIR_SCAN found a
 * prefix's first two characters (a global scan of this alternation, trie or flat, was 2.5% of the
 * cleaner's profile). A text with a prefix runs only that prefix's rules, anchored where it was found.
 */
const PREFIX_AT = new RegExp(trieSource(PROVIDER_KEY_PREFIXES), 'y');
/**
 * The pairs of ASCII codes prefixes start with (`gl`, `gh`, `sk` …; every prefix has two or more
 * characters): only a word start with one of these tries PREFIX_AT. A native scan for all pairs
 * cost twice the walk below, and trying PREFIX_AT at every word start cost more than this lookup.
 */
const FIRST_PAIRS = new Uint8Array(128 * 128);
for (const prefix of PROVIDER_KEY_PREFIXES)
  FIRST_PAIRS[prefix.charCodeAt(0) * 128 + prefix.charCodeAt(1)] = 1;
/**
 * How far before a long run a prefix can start: a prefix of run characters only starts at the run's
 * start or after a `-` in it; one with a `.` or another character that ends a run (`dp.audit.`,
 * `sk.eyJ`) starts at most this many characters before it.
 */
export const MAX_PREFIX = Math.max(
  0,
  ...PROVIDER_KEY_PREFIXES.map((prefix) => {
    let last = -1;
    for (let i = 0; i < prefix.length; i++) if (!/[A-Za-z0-9_-]/.test(prefix[i] as string)) last = i;
    return last + 1;
  }),
);
/**
 * The prefixes as one nested alternation by shared leading characters (`gl(?:pat-|dt-|…)|gh…`),
 * so a try fails on the first characters instead of going through ~170 alternatives. A prefix that
 * ends where longer ones go on is optional after them, so the longest prefix wins at a position.
 */
function trieSource(prefixes: readonly string[]): string {
  interface Node {
    end: boolean;
    next: Map<string, Node>;
  }
  const root: Node = { end: false, next: new Map() };
  for (const prefix of prefixes) {
    let node = root;
    for (const char of prefix) {
      let child = node.next.get(char);
      if (child === undefined) {
        child = { end: false, next: new Map() };
        node.next.set(char, child);
      }
      node = child;
    }
    node.end = true;
  }
  const emit = (node: Node): string => {
    const branches = [...node.next].map(([char, child]) => escapeLiteral(char) + emit(child));
    if (branches.length === 0) return '';
    const group = branches.length === 1 ? (branches[0] as string) : `(?:${branches.join('|')})`;
    return node.end ? `(?:${group})?` : group;
  };
  return emit(root);
}

/** Per prefix, the rules that start with it, each as a sticky regex. */
const BY_PREFIX = new Map<string, RegExp[]>();
for (const rule of PROVIDER_KEY_RULES)
  for (const prefix of rule.prefixes) {
    const list = BY_PREFIX.get(prefix) ?? [];
    list.push(new RegExp(rule.pattern.source, 'y'));
    BY_PREFIX.set(prefix, list);
  }

/** Shape rules (PROVIDER_KEY_RULES' `shape`), sticky, with the characters their stretch is made of. */
const SHAPED: readonly RegExp[] = PROVIDER_KEY_RULES.filter((rule) => rule.shape === true).map(
  (rule) => new RegExp(rule.pattern.source, 'y'),
);
/** Per ASCII code, 1 for base64 characters (`[A-Za-z0-9+/]`): a shape rule's stretch. */
const BASE64_CHAR = new Uint8Array(128);
for (let code = 0; code < 128; code++)
  BASE64_CHAR[code] = /[A-Za-z0-9+/]/.test(String.fromCharCode(code)) ? 1 : 0;
/** The longest stretch a shape rule matches (AWS secret keys: 40). */
const MAX_SHAPE = 40;

/** Reused for texts scanned without the redactor's features (tests, a text an earlier detector changed). */
const SCRATCH = emptyFeatures();

/**
 * Pushes [start, end) of every provider credential in `text` onto `ranges`, sorted and not
 * overlapping. A prefix counts only at a word start (after no letter or digit), as `\b` would.
 * `features`: the text features of this very text (the redactor's), so it is not walked again.
 */
export function findProviderKeys(text: string, ranges: number[], features?: TextFeatures): void {
  const known = features ?? textFeatures(text, SCRATCH);
  const found: number[] = [];
  const markers = known.markers;
  let walked = 0;
  for (let run = 0; run < known.longRunCount; run++) {
    const start = known.longRuns[2 * run] as number;
    if (start >= walked)
      walked = keysAroundRun(text, start, known.longRuns[2 * run + 1] as number, walked, found);
  }
  for (let index = 0; markers !== 0 && index < MARKED.length; index++) {
    if ((markers & (1 << index)) === 0) continue;
    const { marker, pattern } = MARKED[index] as { marker: string; pattern: RegExp };
    if (!text.includes(marker)) continue;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const end = match.index + match[0].length;
      // Group 1, where the rule has one, ends the match and is the secret (SoftLayer's URL keeps its host).
      const start = match[1] === undefined ? match.index : end - match[1].length;
      if (!isPlaceholder(text, start, end)) found.push(start, end);
    }
  }
  // Marker matches come after the prefix ones.
  if (found.length > 0) mergeRanges(found, ranges);
}

/**
 * Where a prefix can start around the run [runStart, runEnd): its first character, each character
 * after a `-` in it (`x-ghp_…`), and the word starts up to MAX_PREFIX before it (`sl.…`,
 * `dp.pt.…`), from `walked` on (a key found earlier may reach past the run). Pushes the keys
 * found; returns how far the text is now walked.
 */
function keysAroundRun(
  text: string,
  runStart: number,
  runEnd: number,
  walked: number,
  found: number[],
): number {
  if (SHAPED.length > 0 && runEnd - runStart <= MAX_SHAPE)
    walked = shapeAround(text, runStart, walked, found);
  for (let at = Math.max(walked, runStart - MAX_PREFIX); at < runEnd; ) {
    const end = keyAt(text, at);
    if (end > at) {
      found.push(at, end);
      walked = Math.max(walked, end);
      at = end;
      continue;
    }
    if (at < runStart) at++;
    else {
      const dash = text.indexOf('-', at);
      at = dash === -1 || dash >= runEnd ? runEnd : dash + 1;
    }
  }
  return Math.max(walked, runEnd);
}

/**
 * A shape rule's match around the run starting at `runStart`: the base64 stretch it lies in is
 * found by walking back at most MAX_SHAPE characters (bounded, so a long base64 text costs no
 * more than its runs), then each shape rule is tried there once.
 */
function shapeAround(text: string, runStart: number, walked: number, found: number[]): number {
  let start = runStart;
  while (start > walked && runStart - start <= MAX_SHAPE) {
    const code = text.charCodeAt(start - 1);
    if (code >= 128 || BASE64_CHAR[code] === 0) break;
    start--;
  }
  if (runStart - start > MAX_SHAPE) return walked;
  const before = start > 0 ? text.charCodeAt(start - 1) : 32;
  if (before < 128 && (BASE64_CHAR[before] === 1 || before === 95 || before === 45)) return walked;
  for (const sticky of SHAPED) {
    sticky.lastIndex = start;
    const match = sticky.exec(text);
    if (match !== null) {
      found.push(start, start + match[0].length);
      return Math.max(walked, start + match[0].length);
    }
  }
  return walked;
}

/** The end of a provider credential starting at `at` (at a word start), or -1. */
function keyAt(text: string, at: number): number {
  const code = text.charCodeAt(at);
  const second = text.charCodeAt(at + 1);
  if (code >= 128 || !(second < 128) || FIRST_PAIRS[code * 128 + second] === 0) return -1;
  // After a letter, digit or `.` a prefix is inside a word or a file name (`video_box.ico-7a38…`).
  const before = at > 0 ? text.charCodeAt(at - 1) : 32;
  if (isAlnum(before) || before === 46) return -1;
  PREFIX_AT.lastIndex = at;
  const hit = PREFIX_AT.exec(text);
  if (hit === null) return -1;
  let end = -1;
  for (const sticky of BY_PREFIX.get(hit[0]) ?? []) {
    sticky.lastIndex = at;
    const match = sticky.exec(text);
    if (match !== null && at + match[0].length > end) end = at + match[0].length;
  }
  // A shorter prefix at the same place (`sk-` under `sk-ant-`…) was not tried by the alternation.
  if (end < 0) end = shorterPrefixMatch(text, at, hit[0]);
  return end > at && !isPlaceholder(text, at + hit[0].length, end) ? end : -1;
}

/**
 * Per prefix, the sticky rules of the shorter prefixes it begins with (`sk-` for `sk-ant-`): the
 * trie's match is the longest prefix, so a failed try there falls back to these. Built once, so
 * the fallback does not go through every prefix on each failed try.
 */
const SHORTER = new Map<string, RegExp[]>();
for (const prefix of BY_PREFIX.keys()) {
  const rules: RegExp[] = [];
  for (const [other, list] of BY_PREFIX)
    if (other.length < prefix.length && prefix.startsWith(other)) rules.push(...list);
  if (rules.length > 0) SHORTER.set(prefix, rules);
}

/** The end of a match of a rule whose (shorter) prefix also starts at `at`, or -1. */
function shorterPrefixMatch(text: string, at: number, matched: string): number {
  let end = -1;
  for (const sticky of SHORTER.get(matched) ?? []) {
    sticky.lastIndex = at;
    const match = sticky.exec(text);
    if (match !== null && at + match[0].length > end) end = at + match[0].length;
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
