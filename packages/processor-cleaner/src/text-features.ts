import { MARKER_FIRST, MARKER_SECOND, MIN_RUN } from './provider-key-markers.js';

/**
 * What one pass over a text's characters says about it, for the detectors' prefilter: each
 * detector declares, beside its code, a condition on these features that every text it would
 * change satisfies (`Detector.mayFind`), so a text is scanned once here and only the detectors
 * whose condition holds run. A charCode walk costs a few ns per character; the single
 * case-insensitive alternation regex it replaces cost 20-40 ns per character on attribute values
 * (measured on user agents, paths and URLs, Node 20), because it tries every alternative at every
 * position. Only ASCII is classified: the detectors' patterns have no `u` flag, so no non-ASCII
 * character can stand for an ASCII one (not even under `i`).
 */
export interface TextFeatures {
  /** `HAS_*` bits of the characters present. */
  chars: number;
  /** Longest run of `[A-Za-z0-9_-]`. */
  wordRun: number;
  /** Longest run of `[A-Za-z0-9_+=-]`. */
  tokenRun: number;
  /** Most digits in a chain where digits are apart by at most one space or dash (`4111 1111-1111`). */
  digitChain: number;
  /** Digits in the whole text. */
  digits: number;
  /** The text these features describe (numberFeatures reads it). */
  text: string;
  /** Whether the four number features below are filled in for `text` (see numberFeatures). */
  numbersDone: boolean;
  /**
   * Most digits in a run of `[0-9+ ().-]`: a phone number or an SSN lies inside one such run
   * with 7 (9) digits or more, and most texts with digits (URLs with ids, versions) have no run
   * that long. This replaced a regex hint per detector that cost 0.2-0.5 µs a text on URLs.
   */
  numberRunDigits: number;
  /** Most dots in a run of `[0-9.]`: an IPv4 address has three. */
  dottedRunDots: number;
  /** Most colons in a run of `[0-9A-Fa-f:.]`: an IPv6 address has two or more (`::1`, `fe80::1`). */
  hexRunColons: number;
  /** Two capitals then two digits somewhere (`DE89`): how every IBAN starts. */
  ibanStart: boolean;
  /** Bits of the provider marker rules whose rarest pair of characters the text holds (MARKER_FIRST, MARKER_SECOND). */
  markers: number;
  /**
   * Runs of MIN_RUN+ word characters: how many, and all of them as start, end pairs. The array is
   * reused and grows (doubling) to the most runs a text had, so no text allocates after the first.
   */
  longRunCount: number;
  longRuns: Int32Array;
}

export const HAS_EQUALS = 1;
export const HAS_AT = 2;
export const HAS_PERCENT = 4;
export const HAS_COLON = 8;
/** A space or a tab. */
export const HAS_BLANK = 16;
export const HAS_DASH = 32;
export const HAS_DOT = 64;

/** CLASS bits (the HAS_* bits are above them, from bit 16 on). */
const WORD = 1;
const TOKEN_ONLY = 2;
const DIGIT = 4;
const NUMBER_PUNCT = 8;
const CAPITAL = 16;
const DOTTED = 32;
const HEX_RUN = 64;
/** Characters after which IPV4's (IPV6's) lookbehind lets no address start. */
const BLOCKS_DOTTED = 128;
const BLOCKS_HEX = 256;
const HAS_SHIFT = 16;

/**
 * Per ASCII code: WORD `[A-Za-z0-9_-]`, TOKEN_ONLY `+ =`, DIGIT, NUMBER_PUNCT `+ ().-`, CAPITAL,
 * DOTTED `[0-9.]`, HEX_RUN `[0-9A-Fa-f:.]`, BLOCKS_DOTTED `[A-Za-z0-9./_:-]`, BLOCKS_HEX
 * `[A-Za-z0-9_:.]`; the HAS_* bit from bit 16 on. One table read per character instead of
 * compares (the address and number runs doubled the pass's cost with compares).
 */
const CLASS = new Uint32Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  let bits = 0;
  if (/[A-Za-z0-9_-]/.test(char)) bits |= WORD;
  if (char === '+' || char === '=') bits |= TOKEN_ONLY;
  if (/[0-9]/.test(char)) bits |= DIGIT;
  if ('+ ().-'.includes(char)) bits |= NUMBER_PUNCT;
  if (/[A-Z]/.test(char)) bits |= CAPITAL;
  if (/[0-9.]/.test(char)) bits |= DOTTED;
  if (/[0-9A-Fa-f:.]/.test(char)) bits |= HEX_RUN;
  if (/[A-Za-z0-9./_:-]/.test(char)) bits |= BLOCKS_DOTTED;
  if (/[A-Za-z0-9_:.]/.test(char)) bits |= BLOCKS_HEX;
  const has =
    char === '='
      ? HAS_EQUALS
      : char === '@'
        ? HAS_AT
        : char === '%'
          ? HAS_PERCENT
          : char === ':'
            ? HAS_COLON
            : char === ' ' || char === '\t'
              ? HAS_BLANK
              : char === '-'
                ? HAS_DASH
                : char === '.'
                  ? HAS_DOT
                  : 0;
  CLASS[code] = bits | (has << HAS_SHIFT);
}

/** Fills `into` with the features of `text` and returns it (one reused object: no allocation per text). */
export function textFeatures(text: string, into: TextFeatures): TextFeatures {
  let chars = 0;
  let word = 0;
  let wordRun = 0;
  let token = 0;
  let tokenRun = 0;
  let chain = 0;
  let digitChain = 0;
  let digits = 0;
  let prevCode = 32;
  let markers = 0;
  let longRunCount = 0;
  // Whether the previous character was a digit, and whether a single separator follows one.
  let afterDigit = false;
  let separated = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const bits = code < 128 ? (CLASS[code] as number) : 0;
    chars |= bits;
    if (bits & DIGIT) {
      digits++;
      chain = afterDigit || separated ? chain + 1 : 1;
      if (chain > digitChain) digitChain = chain;
      afterDigit = true;
      separated = false;
    } else {
      separated = afterDigit && (code === 32 || code === 45);
      afterDigit = false;
    }
    if ((code | prevCode) < 128)
      markers |= (MARKER_FIRST[prevCode] as number) & (MARKER_SECOND[code] as number);
    prevCode = code;
    if (bits & WORD) {
      word++;
      if (word > wordRun) wordRun = word;
    } else {
      if (word >= MIN_RUN) longRunCount = recordLongRun(into, longRunCount, i - word, i);
      word = 0;
    }
    if (bits & (WORD | TOKEN_ONLY)) {
      token++;
      if (token > tokenRun) tokenRun = token;
    } else token = 0;
  }
  if (word >= MIN_RUN) longRunCount = recordLongRun(into, longRunCount, text.length - word, text.length);
  into.markers = markers;
  into.longRunCount = longRunCount;
  into.chars = chars >>> HAS_SHIFT;
  into.wordRun = wordRun;
  into.tokenRun = tokenRun;
  into.digitChain = digitChain;
  into.digits = digits;
  into.text = text;
  into.numbersDone = false;
  return into;
}

/**
 * `features` with its number features filled in (once per text): the PII detectors' conditions
 * call this after their cheap tests, so texts without enough digits never pay for it. In the main
 * pass these runs' data-dependent branches tripled its cost on URLs with ids (460 -> 1430 ns a
 * text, unique texts, Node 20).
 */
export function numberFeatures(features: TextFeatures): TextFeatures {
  if (features.numbersDone) return features;
  const text = features.text;
  let numberRun = 0;
  let numberRunDigits = 0;
  // Dots (colons) in the current run; -1 between runs, 2^30 and up in a run that cannot count.
  let dotted = -1;
  let dottedRunDots = 0;
  let hexRun = -1;
  let hexRunColons = 0;
  // The last four characters as 2-bit classes (1 capital, 2 digit): 0x5a is capital, capital, digit, digit.
  let shape = 0;
  let ibanStart = false;
  let prevBits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const bits = code < 128 ? (CLASS[code] as number) : 0;
    if (bits & DIGIT) {
      numberRun++;
      if (numberRun > numberRunDigits) numberRunDigits = numberRun;
      shape = ((shape << 2) | 2) & 0xff;
      if (shape === 0x5a) ibanStart = true;
    } else {
      if (!(bits & NUMBER_PUNCT)) numberRun = 0;
      shape = ((shape << 2) | (bits & CAPITAL ? 1 : 0)) & 0xff;
    }
    // A run right after a character the address patterns' lookbehinds exclude holds no address
    // (they start only at a run's start): `Chrome/120.0.0.0`, `file.mjs:20:21` count nothing.
    if (bits & DOTTED) {
      if (dotted < 0) dotted = prevBits & BLOCKS_DOTTED ? 0x40000000 : 0;
      if (code === 46 && ++dotted > dottedRunDots && dotted < 0x40000000) dottedRunDots = dotted;
    } else dotted = -1;
    if (bits & HEX_RUN) {
      if (hexRun < 0) hexRun = prevBits & BLOCKS_HEX ? 0x40000000 : 0;
      if (code === 58 && ++hexRun > hexRunColons && hexRun < 0x40000000) hexRunColons = hexRun;
    } else hexRun = -1;
    prevBits = bits;
  }
  features.numberRunDigits = numberRunDigits;
  features.dottedRunDots = dottedRunDots;
  features.hexRunColons = hexRunColons;
  features.ibanStart = ibanStart;
  features.numbersDone = true;
  return features;
}

function recordLongRun(into: TextFeatures, count: number, start: number, end: number): number {
  if (2 * count + 2 > into.longRuns.length) {
    const grown = new Int32Array(2 * into.longRuns.length);
    grown.set(into.longRuns);
    into.longRuns = grown;
  }
  into.longRuns[2 * count] = start;
  into.longRuns[2 * count + 1] = end;
  return count + 1;
}

export function emptyFeatures(): TextFeatures {
  return {
    chars: 0,
    wordRun: 0,
    tokenRun: 0,
    digitChain: 0,
    digits: 0,
    text: '',
    numbersDone: true,
    numberRunDigits: 0,
    dottedRunDots: 0,
    hexRunColons: 0,
    ibanStart: false,
    markers: 0,
    longRunCount: 0,
    longRuns: new Int32Array(16),
  };
}
