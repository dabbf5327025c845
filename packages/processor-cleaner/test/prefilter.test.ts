import { readdirSync, readFileSync } from 'node:fs';
import { DETECTOR_NAMES, type DetectorName } from '@tracepoint/processor-cleaner';
import {
  CleanerStats,
  DETECTORS,
  emptyFeatures,
  fixedSpanContext,
  type Masker,
  mayBeSignKeyword,
  numberFeatures,
  PARAM_BOUNDARY,
  PARAM_NAME_CHAR,
  PARAM_VALUE_END,
  paramClass,
  Redactor,
  resolveCleanerConfig,
  SIGN_KEYWORDS,
  textFeatures,
} from '@tracepoint/processor-cleaner/internal';
import { describe, expect, it } from 'vitest';

// The cleaner's shortcuts against the full work they skip: the detectors' prefilter
// (Detector.mayFind over textFeatures), the query scanner's keyword table, the remembered trace id.
// Each must only ever skip work whose answer was "nothing found", so each is compared with the
// full scan over the redaction corpus plus random and hostile texts.

interface CorpusEntry {
  id: string;
  key: string;
  value: string | number;
}
const corpus = JSON.parse(
  readFileSync(new URL('./fixtures/redaction-corpus.json', import.meta.url), 'utf8'),
) as { positives: CorpusEntry[]; negatives: CorpusEntry[] };
// The peers' corpus too (test/fixtures/peer-corpus): its PII and provider formats reach every detector.
const peerDir = new URL('./fixtures/peer-corpus/', import.meta.url);
for (const name of readdirSync(peerDir).filter((file) => file.endsWith('.json'))) {
  const group = JSON.parse(readFileSync(new URL(name, peerDir), 'utf8')) as {
    positives: CorpusEntry[];
    negatives: CorpusEntry[];
  };
  corpus.positives.push(...group.positives);
  corpus.negatives.push(...group.negatives);
}

/** Deterministic PRNG (mulberry32), so a failure names a text that reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces of what the detectors look for, their near misses, and characters that fool naive classes. */
const PIECES = [
  'eyJ',
  'eyJhbGciOiJIUzI1NiJ9',
  '.',
  'PRIVATE KEY-----',
  '-----BEGIN RSA PRIVATE KEY-----',
  'Bearer ',
  'bEaReR\t',
  'Token ',
  'Basic ',
  'dXNlcjpwYXNz',
  'Digest username="u"',
  'password=',
  'Passwd: ',
  'api_key',
  '"secret":"',
  ':',
  '=',
  '@',
  '%40',
  '%',
  '://',
  'user:pw@',
  'AKIA',
  'ASIA',
  'AIza',
  'ghp_',
  'github_pat_',
  'xoxb-',
  'sk_live_',
  'rk_test_',
  'npm_',
  'sk-proj-',
  'glpat-',
  'ya29.',
  'AccountKey=',
  'SharedAccessKey=',
  'sha512-',
  '4111',
  '1111',
  ' ',
  '-',
  '--',
  '4',
  '0',
  'Q',
  'x',
  '_',
  '+',
  '/',
  '?',
  '&',
  ';',
  '\t',
  '\n',
  '\u00a0',
  '\u2003',
  'ı',
  'ſ',
  '\u212a',
  'é',
  '\u0660',
  '\uff10',
  'erin',
  'example.io',
];
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function hostileTexts(count: number, seed: number): string[] {
  const next = random(seed);
  const texts: string[] = [];
  for (let n = 0; n < count; n++) {
    let text = '';
    const parts = 1 + Math.floor(next() * 12);
    for (let p = 0; p < parts; p++) {
      if (next() < 0.35) {
        // A run of alphanumerics, sometimes long enough for a key or a random token.
        const length = Math.floor(next() * (next() < 0.3 ? 48 : 14));
        for (let i = 0; i < length; i++) text += ALNUM[Math.floor(next() * ALNUM.length)];
      } else text += PIECES[Math.floor(next() * PIECES.length)];
    }
    texts.push(text);
  }
  return texts;
}

/** Each corpus value, and copies with one character removed or turned into a look-alike. */
function corpusTexts(): string[] {
  const next = random(7);
  const out: string[] = [];
  for (const entry of [...corpus.positives, ...corpus.negatives]) {
    if (typeof entry.value !== 'string') continue;
    const value = entry.value;
    out.push(value);
    for (let k = 0; k < 4 && value.length > 1; k++) {
      const at = Math.floor(next() * value.length);
      out.push(value.slice(0, at) + value.slice(at + 1));
      out.push(
        value.slice(0, at) + (PIECES[Math.floor(next() * PIECES.length)] as string) + value.slice(at + 1),
      );
    }
  }
  return out;
}

/** The smallest text each detector changes: a condition one step too strict fails on these. */
const BOUNDARY = [
  '4222222222222',
  '4222 2222 22222',
  'AccountKey=ab+cd/ef+gh/ij+kl/mn+op',
  'eyJab.eyJcd.',
  'Bearer a.b.c.d9',
  'Digest username=u',
  'a://b:c@d',
  'a@b.io',
  'a%40b.io',
  '-----BEGIN PRIVATE KEY-----',
  'aB3dE5gH7jK9mN1pQ3sT5vW7',
  'pwd:x',
  'pwd=x',
  'x=1&token=y',
  'xoxb-0123456789',
  'DE89370400440532013000',
  '078-05-1120',
  '+44 20 7946 0958',
  '0917 123 4567',
  '10.1.2.3',
  'fe80::1',
];
const TEXTS = [...BOUNDARY, ...corpusTexts(), ...hostileTexts(20_000, 19)];

const textMask: Masker = (_secret, rule, style) => (style === 'url' ? 'REDACTED' : `[REDACTED:${rule}]`);

describe('detector prefilter', () => {
  it('corpus and hostile texts: no detector changes a text its prefilter condition rules out', () => {
    const features = emptyFeatures();
    const skippedFindings: string[] = [];
    const ranPerDetector = new Map<DetectorName, number>();
    for (const text of TEXTS) {
      textFeatures(text, features);
      for (const name of DETECTOR_NAMES) {
        const detector = DETECTORS[name];
        const found = detector.redact(text, textMask) !== text;
        if (found) ranPerDetector.set(name, (ranPerDetector.get(name) ?? 0) + 1);
        if (found && !detector.mayFind(features)) skippedFindings.push(`${name}: ${JSON.stringify(text)}`);
      }
    }
    expect(skippedFindings.slice(0, 10)).toEqual([]);
    // The texts reach every detector, so each condition was tested on texts it must let through.
    for (const name of DETECTOR_NAMES) expect(ranPerDetector.get(name) ?? 0).toBeGreaterThan(10);
  });

  it('the redactor with its prefilter gives what running every detector on every text gives', () => {
    const redactor = new Redactor(resolveCleanerConfig({}), new CleanerStats());
    const differences: string[] = [];
    for (const text of TEXTS) {
      let full = text;
      if (text.length >= 6) for (const name of DETECTOR_NAMES) full = DETECTORS[name].redact(full, textMask);
      // Twice: the second time the remembered clean texts answer.
      for (let pass = 0; pass < 2; pass++) {
        const out = redactor.redactText(text, 'app.value', undefined);
        if (out !== full)
          differences.push(
            `${JSON.stringify(text)} -> ${JSON.stringify(out)}, full scan ${JSON.stringify(full)}`,
          );
      }
    }
    expect(differences.slice(0, 10)).toEqual([]);
  });

  it('features: runs and chains as the detectors count them', () => {
    const f = emptyFeatures();
    expect(textFeatures('4111 1111-1111 1111', f).digitChain).toBe(16);
    expect(textFeatures('4111  1111 1111 1111', f).digitChain).toBe(12);
    expect(textFeatures('12-34 -5', f).digitChain).toBe(4);
    expect(textFeatures('abc_DEF-123+x', f)).toMatchObject({ wordRun: 11, tokenRun: 13 });
    expect(numberFeatures(textFeatures('call +1 (415) 555-0132 now', f)).numberRunDigits).toBe(11);
    expect(numberFeatures(textFeatures('zip=68761&weight=7.5', f)).numberRunDigits).toBe(5);
    expect(numberFeatures(textFeatures('078.05.1120', f)).numberRunDigits).toBe(9);
    expect(numberFeatures(textFeatures('at 10.1.2.3:80', f))).toMatchObject({
      dottedRunDots: 3,
      hexRunColons: 1,
    });
    expect(numberFeatures(textFeatures('Chrome/120.0.0.0', f)).dottedRunDots).toBe(0);
    expect(numberFeatures(textFeatures('v 120.0.0', f)).dottedRunDots).toBe(2);
    expect(numberFeatures(textFeatures('https://h:443/x', f)).hexRunColons).toBe(0);
    expect(numberFeatures(textFeatures('from fe80::1%eth0', f)).hexRunColons).toBe(2);
    expect(numberFeatures(textFeatures('at run (file.mjs:20:21)', f)).hexRunColons).toBe(0);
    expect(numberFeatures(textFeatures('v-::1 x', f)).hexRunColons).toBe(2);
    expect(numberFeatures(textFeatures('iban DE89370400440532013000', f)).ibanStart).toBe(true);
    expect(numberFeatures(textFeatures('SKU-20193 D9E8', f)).ibanStart).toBe(false);
    const { longRuns: _runs, text: _text, ...none } = emptyFeatures();
    expect(numberFeatures(textFeatures('ı\u00a0\u212a', f))).toMatchObject(none);
    const runs = textFeatures(`${'a'.repeat(16)} b ${'c'.repeat(15)} ${'d'.repeat(17)}`, f);
    expect([runs.longRunCount, ...runs.longRuns.slice(0, 4)]).toEqual([2, 0, 16, 35, 52]);
    // More runs than the array first holds: it grows, and every run is kept for the provider scan.
    const many = textFeatures(Array.from({ length: 20 }, () => 'a'.repeat(16)).join(' '), f);
    expect([many.longRunCount, many.longRuns[38], many.longRuns[39]]).toEqual([20, 323, 339]);
    expect(textFeatures('x Q~y', f).markers).not.toBe(0);
    expect(textFeatures('x y', f).markers).toBe(0);
  });
});

describe('query parameter character table', () => {
  it('classes every UTF-16 code unit as the character sets it was built from do', () => {
    const wrong: string[] = [];
    for (let code = 0; code < 0x10000; code++) {
      const char = String.fromCharCode(code);
      const text = `a${char}`;
      if (paramClass(text, 1, 1) !== PARAM_NAME_CHAR.test(char)) wrong.push(`name ${code}`);
      if (paramClass(text, 1, 2) !== PARAM_BOUNDARY.includes(char)) wrong.push(`boundary ${code}`);
      if (paramClass(text, 1, 4) !== PARAM_VALUE_END.includes(char)) wrong.push(`value end ${code}`);
    }
    expect(wrong).toEqual([]);
    expect(paramClass('a', 1, 1 | 2 | 4)).toBe(false);
  });
});

describe('query scanner keyword table', () => {
  it('never rules out a word whose upper case is a sign keyword', () => {
    const next = random(3);
    const words: string[] = [];
    for (const keyword of SIGN_KEYWORDS) {
      words.push(keyword, keyword.toLowerCase());
      for (let k = 0; k < 20; k++)
        words.push([...keyword].map((c) => (next() < 0.5 ? c.toLowerCase() : c)).join(''));
      // Non-ASCII letters whose upper case is ASCII: `ı` -> I, `ſ` -> S.
      words.push(
        keyword.replace(/I/g, 'ı'),
        keyword.replace(/S/g, 'ſ'),
        keyword.toLowerCase().replace(/i/g, 'ı'),
      );
    }
    for (let k = 0; k < 5000; k++) {
      let word = '';
      const length = 1 + Math.floor(next() * 9);
      for (let i = 0; i < length; i++) word += (ALNUM + 'ıſ_$')[Math.floor(next() * (ALNUM.length + 4))];
      words.push(word);
    }
    const missed = words.filter(
      (w) => SIGN_KEYWORDS.has(w.toUpperCase()) && !mayBeSignKeyword(w, 0, w.length),
    );
    expect(missed).toEqual([]);
    // And it does rule out most identifiers, or it would be no shortcut.
    expect(
      ['id', 'total', 'FROM', 'orders', 'customer'].filter((w) => mayBeSignKeyword(w, 0, w.length)),
    ).toEqual([]);
  });
});

describe('remembered valid trace id', () => {
  it('the first id checked is checked in full (nothing is remembered before it)', () => {
    // Before any valid id is seen, the remembered one must be a valid id itself (not an empty
    // string a span could carry): checked on a fresh module.
    expect(fixedSpanContext({ traceId: '', spanId: 'b7ad6b7169203331', traceFlags: 1 })).toBeDefined();
  });

  it('an id is only skipped when it equals one that was checked and found valid', () => {
    const valid = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    expect(fixedSpanContext(valid)).toBeUndefined();
    for (const traceId of [
      '',
      '00000000000000000000000000000000',
      valid.traceId.toUpperCase(),
      undefined,
      'x'.repeat(32),
    ]) {
      const fixed = fixedSpanContext({ ...valid, traceId: traceId as string });
      expect(fixed?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(fixed?.traceId).not.toBe('00000000000000000000000000000000');
      expect(fixedSpanContext(valid)).toBeUndefined();
    }
    // The remembered id says nothing about the span id.
    expect(fixedSpanContext({ ...valid, spanId: '' })?.spanId).toMatch(/^[0-9a-f]{16}$/);
  });
});
