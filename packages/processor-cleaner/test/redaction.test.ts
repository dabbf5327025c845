import { readFileSync } from 'node:fs';
import type { Tracer } from '@opentelemetry/api';
import type { CleanerSpanProcessorOptions } from '@tracepoint/processor-cleaner';
import { describe, expect, it } from 'vitest';
import { MODES, recordCleaned } from './cleaned-spans.js';

interface CorpusEntry {
  id: string;
  category: string;
  key: string;
  value: string | number;
  secrets?: string[];
}

const corpus = JSON.parse(
  readFileSync(new URL('./fixtures/redaction-corpus.json', import.meta.url), 'utf8'),
) as {
  positives: CorpusEntry[];
  negatives: CorpusEntry[];
};

const NO_DROPS = { dropHealthChecks: false, dropStaticAssets: false } as const;

/** Each entry as one attribute on its own span (named by the entry id), cleaned by the real SDK pipeline. */
async function cleanValues(
  entries: readonly { id: string; key: string; value: unknown }[],
  options: CleanerSpanProcessorOptions = {},
  mode: (typeof MODES)[number] = 'in place',
) {
  const run = await recordCleaned(mode, { ...NO_DROPS, ...options }, (tracer: Tracer) => {
    for (const entry of entries) {
      const span = tracer.startSpan(entry.id);
      span.setAttribute(entry.key, entry.value as string);
      span.end();
    }
  });
  const cleaned = new Map(run.spans.map((s) => [s.name, s.attributes]));
  return { run, cleanedOf: (id: string, key: string) => cleaned.get(id)?.[key] };
}

describe('redaction corpus', () => {
  it('removes every secret (recall 100%) and reports precision on the look-alikes', async () => {
    const { run, cleanedOf } = await cleanValues([...corpus.positives, ...corpus.negatives]);
    const missed: string[] = [];
    for (const entry of corpus.positives) {
      const cleaned = String(cleanedOf(entry.id, entry.key));
      const surviving = (entry.secrets ?? []).filter((secret) => cleaned.includes(secret));
      if (surviving.length > 0)
        missed.push(`${entry.id}: ${JSON.stringify(cleaned)} still has ${surviving.join(', ')}`);
    }
    const falseAlarms: string[] = [];
    for (const entry of corpus.negatives) {
      const cleaned = cleanedOf(entry.id, entry.key);
      if (cleaned !== entry.value)
        falseAlarms.push(`${entry.id}: ${JSON.stringify(entry.value)} -> ${JSON.stringify(cleaned)}`);
    }
    const truePositives = corpus.positives.length - missed.length;
    const recall = truePositives / corpus.positives.length;
    const precision = truePositives / (truePositives + falseAlarms.length);
    console.log(
      `redaction corpus: ${corpus.positives.length} positives, ${corpus.negatives.length} negatives; ` +
        `recall ${(recall * 100).toFixed(1)}%, precision ${(precision * 100).toFixed(1)}%, ` +
        `false alarms: ${falseAlarms.length === 0 ? 'none' : `\n  ${falseAlarms.join('\n  ')}`}`,
    );
    expect(missed).toEqual([]);
    expect(recall).toBe(1);
    expect(precision).toBeGreaterThanOrEqual(0.97);
    // Counts per rule, never the values.
    const report = JSON.stringify(run.stats);
    for (const entry of corpus.positives)
      for (const secret of entry.secrets ?? []) expect(report).not.toContain(secret);
  });
});

/** `counts`: redactions per rule the case must report (default: one under the detector's name). */
const detectorCases: {
  detector: string;
  key: string;
  value: string;
  expected: string;
  counts?: Record<string, number>;
}[] = [
  {
    detector: 'email',
    key: 'app.note',
    value: 'mail bob@example.com now',
    expected: 'mail [REDACTED:email] now',
  },
  {
    detector: 'card',
    key: 'app.note',
    value: 'paid with 4111 1111 1111 1111.',
    expected: 'paid with [REDACTED:card].',
  },
  { detector: 'card (Luhn fails)', key: 'order.id', value: '4111111111111112', expected: '4111111111111112' },
  {
    detector: 'jwt',
    key: 'app.note',
    value: 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end',
    expected: 'jwt [REDACTED:jwt] end',
  },
  {
    detector: 'authHeader',
    key: 'app.header',
    value: 'Authorization: Bearer mF_9.B5f-4.1JqM',
    expected: 'Authorization: Bearer [REDACTED:authHeader]',
  },
  {
    detector: 'authHeader (basic)',
    key: 'app.header',
    value: 'Basic dXNlcjpwYXNz',
    expected: 'Basic [REDACTED:authHeader]',
  },
  {
    detector: 'cloudKey',
    key: 'app.config',
    value: 'key AKIAIOSFODNN7EXAMPLE set',
    expected: 'key [REDACTED:cloudKey] set',
  },
  {
    detector: 'urlCredentials',
    key: 'url.full',
    value: 'postgres://app:pa55w0rd@db:5432/app',
    expected: 'postgres://REDACTED:REDACTED@db:5432/app',
  },
  {
    detector: 'urlQuery',
    key: 'url.full',
    value: 'https://x.io/cb?code=abc123&state=xyz&access_token=t0k3n',
    expected: 'https://x.io/cb?code=REDACTED&state=xyz&access_token=REDACTED',
    counts: { urlQuery: 2 },
  },
  {
    detector: 'assignment',
    key: 'log.message',
    value: 'login failed password=hunter2 user=bob',
    expected: 'login failed password=REDACTED user=bob',
    // `name=value` pairs are the query-parameter rule's, whatever the text around them.
    counts: { urlQuery: 1 },
  },
  {
    detector: 'assignment (json)',
    key: 'log.message',
    value: '{"client_secret": "s3cr3t-value", "user": "bob"}',
    expected: '{"client_secret": "[REDACTED:assignment]", "user": "bob"}',
  },
  {
    detector: 'highEntropy',
    key: 'app.value',
    value: 'k9Xq2LmP7vR4tY8wZ3nB6cJ1hF5dG0sA',
    expected: '[REDACTED:highEntropy]',
  },
  {
    detector: 'privateKey',
    key: 'app.pem',
    value: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----',
    expected: '[REDACTED:privateKey]',
  },
  { detector: 'blockedKey', key: 'db.password', value: 'letmein', expected: '[REDACTED:blockedKey]' },
  {
    detector: 'blockedKey (header)',
    key: 'http.request.header.cookie',
    value: 'session=abc; theme=dark',
    expected: '[REDACTED:blockedKey]',
  },
  {
    detector: 'queryLiterals (sql)',
    key: 'db.query.text',
    value: "SELECT * FROM users WHERE email = 'bob@example.com' AND age > 42",
    expected: 'SELECT * FROM users WHERE email = ? AND age > ?',
  },
  {
    detector: 'queryLiterals (placeholder kept)',
    key: 'db.statement',
    value: 'UPDATE users SET password = $1 WHERE id = $2',
    expected: 'UPDATE users SET password = $1 WHERE id = $2',
  },
];

describe.each(MODES)('redaction rules (%s)', (mode) => {
  it.each(detectorCases)('$detector', async ({ detector, key, value, expected, counts }) => {
    const { cleanedOf, run } = await cleanValues([{ id: 'span', key, value }], {}, mode);
    expect(cleanedOf('span', key)).toBe(expected);
    const rule = detector.split(' ')[0] as string;
    expect(run.stats.redactions).toEqual(expected === value ? {} : (counts ?? { [rule]: 1 }));
  });

  it('keeps numbers under secret-looking keys but masks their strings', async () => {
    const { cleanedOf } = await cleanValues(
      [
        { id: 'count', key: 'llm.token_count.prompt', value: 512 },
        { id: 'pin', key: 'app.secret', value: 'abc' },
      ],
      {},
      mode,
    );
    expect(cleanedOf('count', 'llm.token_count.prompt')).toBe(512);
    expect(cleanedOf('pin', 'app.secret')).toBe('[REDACTED:blockedKey]');
  });

  it('blocks extra keys by glob and RegExp', async () => {
    const { cleanedOf } = await cleanValues(
      [
        { id: 'a', key: 'enduser.id', value: 'u-42' },
        { id: 'b', key: 'app.customer.ssn', value: '078-05-1120' },
        { id: 'c', key: 'app.customer.name', value: 'Ann' },
      ],
      { blockedKeys: ['enduser.*', /ssn$/] },
      mode,
    );
    expect([
      cleanedOf('a', 'enduser.id'),
      cleanedOf('b', 'app.customer.ssn'),
      cleanedOf('c', 'app.customer.name'),
    ]).toEqual(['[REDACTED:blockedKey]', '[REDACTED:blockedKey]', 'Ann']);
  });

  it('fail-closed allowlist masks every other key, still scans the allowed ones and keeps what the mapping reads', async () => {
    const { cleanedOf, run } = await cleanValues(
      [
        { id: 'a', key: 'app.plan', value: 'gold' },
        { id: 'b', key: 'app.region', value: 'eu-west-1' },
        { id: 'c', key: 'app.count', value: 3 },
        { id: 'd', key: 'http.route', value: '/users/:id' },
        { id: 'e', key: 'url.full', value: 'https://x.io/a?token=abcdef123' },
      ],
      { allowedKeys: ['app.region'] },
      mode,
    );
    expect(cleanedOf('a', 'app.plan')).toBe('[REDACTED:notAllowedKey]');
    expect(cleanedOf('b', 'app.region')).toBe('eu-west-1');
    expect(cleanedOf('c', 'app.count')).toBe('[REDACTED:notAllowedKey]');
    expect(cleanedOf('d', 'http.route')).toBe('/users/:id');
    expect(cleanedOf('e', 'url.full')).toBe('https://x.io/a?token=REDACTED');
    expect(run.stats.redactions).toEqual({ notAllowedKey: 2, urlQuery: 1 });
  });

  it('hmac mode: the same secret hashes the same way (joinable), a different key differently', async () => {
    const entries = [
      { id: 'a', key: 'app.note', value: 'from bob@example.com' },
      { id: 'b', key: 'app.note', value: 'to bob@example.com' },
    ];
    const first = await cleanValues(entries, { redaction: 'hmac', hmacKey: 'k'.repeat(32) }, mode);
    const other = await cleanValues(entries, { redaction: 'hmac', hmacKey: 'z'.repeat(32) }, mode);
    const hashOf = (text: unknown) => /hmac:[0-9a-f]{16}/.exec(String(text))?.[0];
    expect(hashOf(first.cleanedOf('a', 'app.note'))).toBeDefined();
    expect(hashOf(first.cleanedOf('a', 'app.note'))).toBe(hashOf(first.cleanedOf('b', 'app.note')));
    expect(hashOf(other.cleanedOf('a', 'app.note'))).not.toBe(hashOf(first.cleanedOf('a', 'app.note')));
    expect(String(first.cleanedOf('a', 'app.note'))).not.toContain('bob');
  });

  it('redaction off leaves values alone', async () => {
    const { cleanedOf } = await cleanValues(
      [{ id: 'a', key: 'db.password', value: 'letmein' }],
      { redaction: 'off' },
      mode,
    );
    expect(cleanedOf('a', 'db.password')).toBe('letmein');
  });

  it('redacts span names, status messages, event attributes and resource attributes too', async () => {
    const run = await recordCleaned(
      mode,
      NO_DROPS,
      (tracer) => {
        const span = tracer.startSpan('GET /reset?token=abc123xyz');
        span.recordException(new Error('no user bob@example.com'));
        span.setStatus({ code: 2, message: 'no user bob@example.com' });
        span.end();
      },
      { resourceAttributes: { 'process.command_args': 'node app.js --password=hunter2' } },
    );
    const span = run.spans[0];
    expect(span?.name).toBe('GET /reset?token=REDACTED');
    expect(span?.status.message).toBe('no user [REDACTED:email]');
    expect(span?.events[0]?.attributes?.['exception.message']).toBe('no user [REDACTED:email]');
    expect(span?.resource.attributes['process.command_args']).toBe('node app.js --password=REDACTED');
  });
});

describe('repeated values', () => {
  it.each(MODES)(
    'remembers clean texts, yet redacts and counts a repeated secret every time (%s)',
    async (mode) => {
      // More distinct clean texts than the cleaner remembers, so its bound is crossed in between.
      const entries: { id: string; key: string; value: string }[] = [];
      for (let i = 0; i < 5000; i++) {
        entries.push({
          id: `clean-${i}`,
          key: 'user_agent.original',
          value: `Mozilla/5.0 (X11; Linux) build ${i}`,
        });
        if (i % 1000 === 0) {
          entries.push({ id: `secret-${i}`, key: 'app.note', value: 'mail bob@example.com now' });
          entries.push({
            id: `again-${i}`,
            key: 'user_agent.original',
            value: 'Mozilla/5.0 (X11; Linux) build 0',
          });
        }
      }
      const { run, cleanedOf } = await cleanValues(entries, {}, mode);
      for (let i = 0; i < 5000; i += 1000) {
        expect(cleanedOf(`secret-${i}`, 'app.note')).toBe('mail [REDACTED:email] now');
        expect(cleanedOf(`again-${i}`, 'user_agent.original')).toBe('Mozilla/5.0 (X11; Linux) build 0');
      }
      expect(cleanedOf('clean-4999', 'user_agent.original')).toBe('Mozilla/5.0 (X11; Linux) build 4999');
      expect(run.stats.redactions).toEqual({ email: 5 });
    },
  );
});
