import { MEMO_PROBE, MEMO_SKIP } from '@tracepoint/core';
import {
  CleanerStats,
  Redactor,
  resolveCleanerConfig,
  ValueCleaner,
} from '@tracepoint/processor-cleaner/internal';
import { describe, expect, it } from 'vitest';

// Values that never repeat skip the clean-text set (MemoWatch in @tracepoint/core): these tests
// check that skipping it changes what the set holds and never what a value becomes.

function cleaner() {
  const config = resolveCleanerConfig({});
  const stats = new CleanerStats();
  const redactor = new Redactor(config, stats);
  return { redactor, stats, values: new ValueCleaner(config, redactor, stats) };
}

const UNIQUE = 20_000;
const uniqueUrl = (i: number) => `https://shop.example/orders/${i}/items?page=${i % 7}`;
const secretUrl = (i: number) => `https://shop.example/orders/${i}?password=hunter2-${i}`;

describe('the clean-text set under values that never repeat', () => {
  it('a key whose values are all new stops filling the set, and each value is still cleaned', () => {
    const { redactor, stats, values } = cleaner();
    let secrets = 0;
    for (let i = 0; i < UNIQUE; i++) {
      const secret = i % 97 === 0;
      const text = secret ? secretUrl(i) : uniqueUrl(i);
      const out = values.cleanValue(text, 'url.full', undefined);
      if (secret) {
        secrets++;
        expect(out).not.toContain('hunter2');
      } else expect(out).toBe(text);
    }
    // Every URL remembered until the set's clear at 4,096 would leave 20,000 % 4,096 = 3,616.
    // Only the probe windows add: MEMO_PROBE values per MEMO_SKIP + MEMO_PROBE.
    const probed = Math.ceil(UNIQUE / (MEMO_SKIP + MEMO_PROBE)) * MEMO_PROBE;
    expect(redactor.rememberedTexts).toBeLessThanOrEqual(probed);
    expect(redactor.rememberedTexts).toBeGreaterThan(0);
    expect(Object.values(stats.snapshot().redactions).reduce((a, b) => a + b, 0)).toBe(secrets);
  });

  it('a key whose values start repeating uses the set again within one skip and one probe', () => {
    const { redactor, values } = cleaner();
    for (let i = 0; i < 2 * (MEMO_SKIP + MEMO_PROBE); i++)
      values.cleanValue(uniqueUrl(i), 'url.full', undefined);
    // Two values in turn: the key's last clean value never matches, so each goes to the set.
    const turns = ['https://shop.example/cart', 'https://shop.example/checkout'];
    for (let i = 0; i < MEMO_SKIP + MEMO_PROBE + 2; i++)
      values.cleanValue(turns[i % 2] as string, 'url.full', undefined);
    const held = redactor.rememberedTexts;
    for (let i = 0; i < MEMO_SKIP; i++)
      expect(values.cleanValue(turns[i % 2] as string, 'url.full', undefined)).toBe(turns[i % 2]);
    // Hits keep the set in use: nothing new is remembered and nothing is skipped past it.
    expect(redactor.rememberedTexts).toBe(held);
    expect(redactor.knownClean(turns[0] as string, 'url.full')).toBe(true);
    expect(redactor.knownClean(turns[1] as string, 'url.full')).toBe(true);
  });

  it('one key skipping the set leaves another key whose values repeat using it', () => {
    const { redactor, values } = cleaner();
    for (let i = 0; i < 4 * MEMO_PROBE; i++) {
      values.cleanValue(uniqueUrl(i), 'url.full', undefined);
      values.cleanValue(
        i % 2 === 0 ? 'Mozilla/5.0 (X11; Linux x86_64)' : 'curl/8.5.0 (x86_64)',
        'user_agent.original',
        undefined,
      );
    }
    expect(redactor.knownClean('Mozilla/5.0 (X11; Linux x86_64)', 'user_agent.original')).toBe(true);
    expect(redactor.knownClean('curl/8.5.0 (x86_64)', 'user_agent.original')).toBe(true);
  });

  it('SQL statements with inlined literals, all different, still have every literal redacted', () => {
    const { stats, values } = cleaner();
    for (let i = 0; i < 3 * (MEMO_SKIP + MEMO_PROBE); i++) {
      const out = values.cleanValue(
        `SELECT * FROM orders WHERE id = ${i} AND note = 'n${i}'`,
        'db.statement',
        'postgresql',
      );
      expect(out).toBe('SELECT * FROM orders WHERE id = ? AND note = ?');
    }
    expect(stats.snapshot().redactions.queryLiterals).toBe(3 * (MEMO_SKIP + MEMO_PROBE));
  });
});
