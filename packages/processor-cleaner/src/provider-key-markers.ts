import { PROVIDER_KEY_RULES, type ProviderKeyRule } from './provider-key-rules.js';

/**
 * What the text features need of the provider rules (text-features.ts reads these in its one pass,
 * provider-key-scan.ts acts on what it found): the marker rules and their rarest pairs, and the
 * run length every prefix rule's match holds.
 */

/** Rules without a fixed start: a global scan each, only when the text holds its marker. */
export const MARKED: readonly { marker: string; pattern: RegExp }[] = PROVIDER_KEY_RULES.filter(
  (rule): rule is ProviderKeyRule & { marker: string } => rule.marker !== undefined,
).map((rule) => ({ marker: rule.marker, pattern: new RegExp(rule.pattern.source, 'g') }));

/** Letters from most to least common in English (the marker pairs here, the name triples of the assignment detector). */
export const LETTER_ORDER = 'etaoinshrdlcumwfgypbvkjxqz';

/**
 * How common a character is in attribute values, for picking each marker's rarest pair below:
 * `.`, `/`, `-` and blanks are everywhere, lower-case letters nearly so (the rarer in English, the
 * less), digits and `_` less, capitals and other punctuation (`~`, `$`, `=`) seldom.
 */
function commonness(code: number): number {
  if (code === 46 || code === 47 || code === 45 || code === 32) return 3;
  if (code >= 97 && code <= 122) return 3 - LETTER_ORDER.indexOf(String.fromCharCode(code)) / 25;
  if ((code >= 48 && code <= 57) || code === 95) return 2;
  if (code >= 65 && code <= 90) return 1;
  return 0;
}

/**
 * Each marker rule's rarest pair of characters (`Q~`, `:A`, `n$`, `y=`), as two tables by ASCII
 * code: MARKER_FIRST has the rule's bit at the pair's first character, MARKER_SECOND at its second,
 * so `MARKER_FIRST[previous] & MARKER_SECOND[code]` is exactly the rules whose pair ends here (one
 * pair per rule). A walk ORs these up and only the markers whose bit is set are looked for: twelve
 * `includes` per text were 0.4 µs on a URL. Two 128-entry tables, where one by pair was 256 KiB.
 */
export const MARKER_FIRST = new Uint32Array(128);
export const MARKER_SECOND = new Uint32Array(128);
MARKED.forEach(({ marker }, index) => {
  let best = 0;
  for (let i = 1; i + 1 < marker.length; i++) {
    const score = (at: number) => commonness(marker.charCodeAt(at)) + commonness(marker.charCodeAt(at + 1));
    if (score(i) < score(best)) best = i;
  }
  const first = marker.charCodeAt(best);
  const second = marker.charCodeAt(best + 1);
  MARKER_FIRST[first] = (MARKER_FIRST[first] as number) | (1 << index);
  MARKER_SECOND[second] = (MARKER_SECOND[second] as number) | (1 << index);
});
if (MARKED.length > 32)
  throw new Error('provider-key-scan: more than 32 marker rules need wider marker tables');

/** Every prefix rule's match holds a run of this many word characters (a test checks their examples). */
export const MIN_RUN = 16;
