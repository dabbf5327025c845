import { readFileSync } from 'node:fs';
import type { Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { MODES, recordCleaned } from './cleaned-spans.js';

// The cleaner remembers keys and texts it found clean (value-cleaner.ts, redactor.ts) so repeated
// values skip the scans. These tests check that the shortcut never lets through what a scan would catch.

interface CorpusEntry {
  id: string;
  key: string;
  value: string;
  secrets?: string[];
}
const corpus = JSON.parse(
  readFileSync(new URL('./fixtures/redaction-corpus.json', import.meta.url), 'utf8'),
) as {
  positives: CorpusEntry[];
  negatives: CorpusEntry[];
};

const NO_DROPS = { dropHealthChecks: false, dropStaticAssets: false } as const;
const QUERY = "SELECT id FROM orders WHERE status = 'shipped' AND customer = 'c-77'";

async function cleaned(
  spans: readonly { name: string; attributes: Record<string, string> }[],
  mode = MODES[0],
) {
  const run = await recordCleaned(mode as (typeof MODES)[number], NO_DROPS, (tracer: Tracer) => {
    for (const { name, attributes } of spans) tracer.startSpan(name, { attributes }).end();
  });
  return run;
}

describe.each(MODES)('remembered clean values (%s)', (mode) => {
  it('a query text remembered clean under a plain key still has its literals redacted under a query-text key', async () => {
    const run = await cleaned(
      [
        { name: 'note', attributes: { 'app.note': QUERY } },
        { name: 'stable', attributes: { 'db.system.name': 'postgresql', 'db.query.text': QUERY } },
        { name: 'old', attributes: { 'db.system': 'postgresql', 'db.statement': QUERY } },
        { name: 'note again', attributes: { 'app.note': QUERY } },
      ],
      mode,
    );
    expect(run.byName.get('note')?.attributes['app.note']).toBe(QUERY);
    expect(run.byName.get('note again')?.attributes['app.note']).toBe(QUERY);
    for (const [name, key] of [
      ['stable', 'db.query.text'],
      ['old', 'db.statement'],
    ] as const) {
      const text = String(run.byName.get(name)?.attributes[key]);
      expect(text).not.toContain('shipped');
      expect(text).not.toContain('c-77');
    }
  });

  it('a query text remembered as literal-free in one dialect still has its literals redacted in another', async () => {
    // Redis keeps a command's key; SQL takes the number in it for a literal.
    const text = 'GET session:4411';
    const run = await cleaned(
      [
        { name: 'redis', attributes: { 'db.system': 'redis', 'db.statement': text } },
        { name: 'redis again', attributes: { 'db.system': 'redis', 'db.statement': text } },
        { name: 'sql', attributes: { 'db.system': 'postgresql', 'db.statement': text } },
        { name: 'sql again', attributes: { 'db.system': 'postgresql', 'db.statement': text } },
      ],
      mode,
    );
    expect(run.byName.get('redis')?.attributes['db.statement']).toBe(text);
    expect(run.byName.get('redis again')?.attributes['db.statement']).toBe(text);
    expect(run.byName.get('sql')?.attributes['db.statement']).toBe('GET session:?');
    expect(run.byName.get('sql again')?.attributes['db.statement']).toBe('GET session:?');
    expect(run.stats.redactions.queryLiterals).toBe(2);
  });

  it('a parametrized statement seen many times is scanned by the detectors each time it would be', async () => {
    // Remembered literal-free statements skip the literal scan only: a secret the detectors find is still masked.
    const text = 'SELECT * FROM t WHERE note = $1 -- password=hunter2';
    const run = await cleaned(
      [0, 1, 2].map((i) => ({
        name: `q${i}`,
        attributes: { 'db.system': 'postgresql', 'db.statement': text },
      })),
      mode,
    );
    for (const i of [0, 1, 2])
      expect(String(run.byName.get(`q${i}`)?.attributes['db.statement'])).not.toContain('hunter2');
  });

  it('a text remembered clean under one key is masked whole under a secret key', async () => {
    const value = 'plain-looking-value';
    const run = await cleaned(
      [
        { name: 'plain', attributes: { 'app.label': value } },
        { name: 'secret', attributes: { 'app.password': value } },
      ],
      mode,
    );
    expect(run.byName.get('plain')?.attributes['app.label']).toBe(value);
    expect(run.byName.get('secret')?.attributes['app.password']).not.toBe(value);
  });

  it('the whole redaction corpus, twice through one cleaner, loses every secret both times and keeps the look-alikes', async () => {
    const entries = [...corpus.negatives, ...corpus.positives];
    const spans = [0, 1].flatMap((pass) =>
      entries.map((e) => ({ name: `${pass}:${e.id}`, attributes: { [e.key]: e.value } })),
    );
    const run = await cleaned(spans, mode);
    const missed: string[] = [];
    const changed: string[] = [];
    for (const pass of [0, 1]) {
      for (const e of corpus.positives) {
        const out = String(run.byName.get(`${pass}:${e.id}`)?.attributes[e.key]);
        if ((e.secrets ?? []).some((secret) => out.includes(secret))) missed.push(`${pass}:${e.id}`);
      }
      for (const e of corpus.negatives) {
        const before = run.byName.get(`0:${e.id}`)?.attributes[e.key];
        if (run.byName.get(`${pass}:${e.id}`)?.attributes[e.key] !== before) changed.push(`${pass}:${e.id}`);
      }
    }
    expect(missed).toEqual([]);
    expect(changed).toEqual([]);
  });

  it('keys stay cleaned past the bound of remembered keys', async () => {
    const spans = Array.from({ length: 5000 }, (_, i) => ({
      name: `s${i}`,
      attributes: { [`app.k${i}`]: 'v' },
    }));
    spans.push({ name: 'bad key', attributes: { 'app.\u0007bell': 'v', 'app.k1': 'v' } });
    const run = await cleaned(spans, mode);
    expect(run.byName.get('s4999')?.attributes).toEqual({ 'app.k4999': 'v' });
    expect(Object.keys(run.byName.get('bad key')?.attributes ?? {})).toEqual(['app.\uFFFDbell', 'app.k1']);
  });

  it('a control character in a value is replaced after the same text without it was remembered', async () => {
    const run = await cleaned(
      [
        { name: 'clean', attributes: { 'app.v': 'hello world' } },
        { name: 'dirty', attributes: { 'app.v': 'hello\u0000world' } },
        { name: 'clean again', attributes: { 'app.v': 'hello world' } },
        // Short texts (under any detector's length) are remembered too, after the same check.
        { name: 'short', attributes: { 'app.v': 'ab' } },
        { name: 'short dirty', attributes: { 'app.v': 'a\u0007' } },
        { name: 'short dirty again', attributes: { 'app.v': 'a\u0007' } },
        { name: 'short again', attributes: { 'app.v': 'ab' } },
      ],
      mode,
    );
    expect(run.byName.get('dirty')?.attributes['app.v']).toBe('hello\uFFFDworld');
    expect(run.byName.get('short dirty')?.attributes['app.v']).toBe('a\uFFFD');
    expect(run.byName.get('short dirty again')?.attributes['app.v']).toBe('a\uFFFD');
    expect(run.byName.get('short again')?.attributes['app.v']).toBe('ab');
    expect(run.stats.fixes['text.controlChars']).toBe(3);
    expect(run.byName.get('clean again')?.attributes['app.v']).toBe('hello world');
  });

  it('the last clean value of a key lets through only that same text: a different, cut or dirty one under the key is cleaned', async () => {
    // value-cleaner.ts keeps, per key, the last text cleanText gave back whole, and compares with ===.
    const secret = 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const run = await recordCleaned(
      mode as (typeof MODES)[number],
      { ...NO_DROPS, maxValueLength: 64 },
      (tracer: Tracer) => {
        const spans: [string, string][] = [
          ['clean', 'hello world'],
          ['clean again', 'hello world'],
          ['secret', secret],
          ['secret again', secret],
          ['clean third', 'hello world'],
          ['dirty', 'hello\u0000world'],
          ['dirty again', 'hello\u0000world'],
          ['long', `hello world ${'and more '.repeat(10)}`],
          ['long again', `hello world ${'and more '.repeat(10)}`],
          ['short', 'ab'],
          ['short dirty', 'a\u0007'],
        ];
        for (const [name, value] of spans) tracer.startSpan(name, { attributes: { 'app.v': value } }).end();
      },
    );
    const value = (name: string) => run.byName.get(name)?.attributes['app.v'];
    expect(value('clean')).toBe('hello world');
    expect(value('clean again')).toBe('hello world');
    expect(String(value('secret'))).not.toContain('ghp_');
    expect(String(value('secret again'))).not.toContain('ghp_');
    expect(value('clean third')).toBe('hello world');
    expect(value('dirty')).toBe('hello\uFFFDworld');
    expect(value('dirty again')).toBe('hello\uFFFDworld');
    expect(String(value('long'))).toMatch(/^hello world and more .*…\[truncated \d+ chars\]$/);
    expect(value('short')).toBe('ab');
    expect(value('short dirty')).toBe('a\uFFFD');
    expect(value('long again')).toBe(value('long'));
    expect(run.stats.fixes['value.truncated']).toBe(2);
  });
});

describe('remembered network addresses', () => {
  it('an address kept under client.address is remembered there, and still masked under any other key', async () => {
    const { Redactor } = await import('../src/redactor.js');
    const { CleanerStats } = await import('../src/cleaner-stats.js');
    const { resolveCleanerConfig } = await import('../src/cleaner-options.js');
    const redactor = new Redactor(resolveCleanerConfig({}), new CleanerStats());
    const address = '10.42.2.11';
    expect(redactor.redactText(address, 'client.address', undefined)).toBe(address);
    // The next span's value is settled by the lookup, without a scan.
    expect(redactor.knownClean(address, 'client.address')).toBe(true);
    expect(redactor.knownClean(address, 'network.peer.address')).toBe(true);
    expect(redactor.knownClean(address, 'log.message')).toBe(false);
    expect(redactor.redactText(address, 'log.message', undefined)).toBe('[REDACTED:ipAddress]');
    expect(redactor.redactText(`peer ${address}`, 'app.note', undefined)).toBe('peer [REDACTED:ipAddress]');
  });
});
