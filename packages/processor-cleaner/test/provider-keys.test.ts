import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDER_KEY_RULES } from '../src/provider-key-rules.js';
import { findProviderKeys, MAX_PREFIX } from '../src/provider-key-scan.js';
import { DETECTORS } from '../src/secret-detectors.js';
import { emptyFeatures, textFeatures } from '../src/text-features.js';

const masked = (text: string) => DETECTORS.cloudKey.redact(text, () => '[K]');
const found = (text: string) => {
  const ranges: number[] = [];
  findProviderKeys(text, ranges);
  const out: string[] = [];
  for (let i = 0; i < ranges.length; i += 2) out.push(text.slice(ranges[i], ranges[i + 1]));
  return out;
};

describe('provider key rules (PROVIDER_KEY_RULES)', () => {
  it('have unique ids and examples that are no real credentials in shape only', () => {
    const ids = PROVIDER_KEY_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of PROVIDER_KEY_RULES) {
      expect(rule.prefixes.length > 0 || rule.marker !== undefined || rule.shape === true, rule.id).toBe(
        true,
      );
      expect(rule.pattern.flags.replace('g', ''), rule.id).toBe('');
    }
  });

  it.each(PROVIDER_KEY_RULES.map((rule) => [rule.id, rule] as const))(
    '%s: its example is found whole, alone, in a sentence, quoted and after `=`',
    (_id, rule) => {
      const { example } = rule;
      expect(rule.pattern.test(example)).toBe(true);
      // A marker rule with a group masks the group only (the rest of the example stays).
      const secret =
        rule.marker === undefined ? example : (new RegExp(rule.pattern.source).exec(example)?.[1] ?? example);
      expect(found(example)).toEqual([secret]);
      for (const text of [
        `failed to call the API with ${example} (401)`,
        `{"config":{"token":"${example}"}}`,
        `TOKEN=${example}`,
        `${example}\n`,
      ])
        expect(masked(text), text).not.toContain(secret);
      // A prefix rule's match holds a run of 16+ word characters that starts at most MAX_PREFIX after
      // the match (findProviderKeys looks only around such runs).
      if (rule.marker === undefined && rule.shape === undefined) {
        const run = /[A-Za-z0-9_-]{16}/.exec(example);
        expect(run?.index ?? Number.POSITIVE_INFINITY, rule.id).toBeLessThanOrEqual(MAX_PREFIX);
      }
      // A shape rule's match holds such a run somewhere (it is looked for around them).
      if (rule.shape === true) expect(example).toMatch(/[A-Za-z0-9_-]{16}/);
      // The detector's prefilter holds for every format.
      expect(DETECTORS.cloudKey.mayFind(textFeatures(`x ${example} y`, emptyFeatures()))).toBe(true);
    },
  );

  it('finds a key only at a word start, and leaves look-alikes', () => {
    const key = `ghp_${'a1B2'.repeat(9)}`;
    expect(found(`x${key}`)).toEqual([]);
    expect(found(`-${key}`)).toEqual([key]);
    for (const kept of [
      'sk-learn is a library',
      'task-1234567890-queue',
      'the SK is a sort key',
      'key-value store',
      'live_stream_started',
      'pat.id = 7',
      'API-gateway',
      'ntn_short',
      'slack xoxb- missing',
      'AKIAshort',
      'sl.start',
      // No AWS secret key: a 40-hex digest, a Go build id (base64url around it), a 41-character stretch.
      'commit da39a3ee5e6b4b0d3255bfef95601890afd80709',
      'foh3mEXu7BLZjsN9pOwG/kATcXlYVCDEFouRMQed_/WwRFB1hPo9LBkekthSPG',
      'HTBm6hKyd9vBx/K7HTBm6hKyd9vBp03myg+HTBm6h',
    ])
      expect(masked(kept), kept).toBe(kept);
  });

  it('are all listed in the README with their provider', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const rule of PROVIDER_KEY_RULES) expect(readme, rule.id).toContain(`\`${rule.id}\``);
  });
});
