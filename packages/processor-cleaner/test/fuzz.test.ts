import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { CleanerSpanProcessor } from '@tracepoint/processor-cleaner';
import { mapSpan } from '@tracepoint/semantic-mapping';
import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';
import { MODES, recordCleaned, writeRaw } from './cleaned-spans.js';

/** A small seeded PRNG (mulberry32), so a failure replays exactly from its seed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

type Random = ReturnType<typeof prng>;

const NASTY_CHARS = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\ud800',
  '\udfff',
  '\ufffe',
  '\u202e',
  '\u00e9',
  '😀',
  "'",
  '"',
  '\\',
  '\n',
  '\t',
  '{',
  '}',
  '%',
];

function makeHostileString(r: Random): string {
  const length = r.pick([0, 1, 5, 40, 300, 5_000, 70_000]);
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const roll = r.next();
    const part =
      roll < 0.3
        ? r.pick(NASTY_CHARS)
        : roll < 0.4
          ? r.pick([
              'bob@example.com',
              '4111111111111111',
              'Bearer abc123def456',
              'password=x',
              "' OR 1=1 --",
            ])
          : String.fromCharCode(32 + r.int(95));
    parts.push(part);
    size += part.length;
  }
  return parts.join('');
}

/** Built once: generating long strings per span would make the test measure its own generator. */
const STRING_POOL = (() => {
  const r = prng(1);
  return Array.from({ length: 300 }, () => makeHostileString(r));
})();

function hostileString(r: Random): string {
  return r.pick(STRING_POOL);
}

const DEEP_ARRAY = (() => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 5_000; i++) deep = [deep];
  return deep;
})();

function hostileValue(r: Random, depth = 0): unknown {
  switch (r.int(16)) {
    case 0:
      return hostileString(r);
    case 1:
      return r.pick([
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -0,
        Number.MAX_VALUE,
        2 ** 63,
      ]);
    case 2:
      return BigInt(r.int(1_000_000)) ** 5n;
    case 3:
      return Buffer.from(hostileString(r));
    case 4:
      return new Date(r.pick([0, Number.NaN, 8.64e15, -8.64e15]));
    case 5: {
      const object: Record<string, unknown> = { a: hostileString(r) };
      if (depth < 3) object.b = hostileValue(r, depth + 1);
      if (r.next() < 0.3) object.self = object;
      return object;
    }
    case 6:
      return depth < 3 ? [hostileValue(r, depth + 1), hostileValue(r, depth + 1)] : [];
    case 7:
      return [1, 'two', true, null, undefined, Number.NaN];
    case 8:
      return new Map([[hostileString(r), 1]]);
    case 9:
      return Symbol('s');
    case 10:
      return () => 1;
    case 11:
      return Array.from({ length: r.pick([0, 3, 500]) }, () => hostileString(r));
    case 12:
      return DEEP_ARRAY;
    case 13:
      return null;
    case 14:
      return r.next() < 0.5;
    default:
      return r.int(2 ** 31) - 2 ** 30;
  }
}

function hostileKey(r: Random): string {
  return r.pick([
    '',
    'db.query.text',
    'db.password',
    'url.full',
    'http.route',
    'k\u0000',
    'k\ud800',
    'é',
    'x'.repeat(1_000),
    hostileString(r).slice(0, 50),
  ]);
}

/** One span full of hostile data, recorded through the real SDK (API writes plus raw writes the API would refuse). */
function hostileSpan(tracer: Tracer, r: Random, beforeEnd?: (span: Span) => void): void {
  const now = Date.now();
  const start = r.pick([now - 10, now - 1e12, now + 1e12, 0, now]);
  const span = tracer.startSpan(hostileString(r).slice(0, 200) || 'x', {
    kind: r.pick([SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER]),
    startTime: start,
  });
  const raw: Record<string, unknown> = {};
  for (let i = 0, n = r.int(20); i < n; i++) raw[hostileKey(r)] = hostileValue(r);
  raw['http.request.method'] = r.pick(['GET', 'POST', undefined]);
  raw['url.path'] = r.pick(['/users/42', hostileString(r), undefined]);
  raw['db.system.name'] = r.pick(['redis', 'mongodb', 'postgresql', undefined]);
  writeRaw(span, raw);
  for (let i = 0, n = r.int(4); i < n; i++) {
    span.addEvent(hostileString(r).slice(0, 100), { [hostileKey(r) || 'e']: hostileString(r) });
    const events = (span as unknown as { events: { attributes?: Record<string, unknown> }[] }).events;
    const last = events[events.length - 1];
    if (last !== undefined) last.attributes = { ...last.attributes, raw: hostileValue(r) };
  }
  span.setStatus({ code: r.pick([SpanStatusCode.ERROR, SpanStatusCode.OK]), message: hostileString(r) });
  beforeEnd?.(span);
  span.end(r.pick([start + 5, start - 5, now, now + 1e12]));
}

// ---------------------------------------------------------------------------------------------
// Hostile attribute objects: what `Object.assign(attributes, JSON.parse(text))` and raw writes can
// make of them. Each span also carries secrets that normal cleaning masks, so a span that leaves
// the cleaner uncleaned shows them.

const SECRET = 'tp-hunter2-7f3a9c';
const SECRET_ATTRIBUTES = {
  'db.password': SECRET,
  'url.full': `https://bob:${SECRET}@pay.example.com/charge`,
  'app.note': 'kept',
};

type Attack = (attributes: Record<string, unknown>) => Record<string, unknown>;

/** A decoded object whose own `__proto__` key holds `prototype`, merged in as decoded data is. */
function withPrototype(prototype: object): Attack {
  return (attributes) => {
    const decoded = JSON.parse('{"__proto__": {}, "app.decoded": "yes"}');
    Object.defineProperty(decoded, '__proto__', { value: prototype });
    return Object.assign(attributes, decoded);
  };
}

const throwingTraps: ProxyHandler<object> = {
  ownKeys() {
    throw new Error('ownKeys trap');
  },
  get() {
    throw new Error('get trap');
  },
  has() {
    throw new Error('has trap');
  },
  getOwnPropertyDescriptor() {
    throw new Error('descriptor trap');
  },
};

/** Attacks that make reading the attributes throw: the span can only fail closed. */
const THROWING_ATTACKS: Record<string, Attack> = {
  'own throwing getter': (attributes) =>
    Object.defineProperty(attributes, 'app.boom', {
      enumerable: true,
      get() {
        throw new Error('own getter');
      },
    }),
  'revoked proxy': (attributes) => {
    const { proxy, revoke } = Proxy.revocable(attributes, {});
    revoke();
    return proxy;
  },
  'proxy that throws on its first read': (attributes) => {
    let thrown = false;
    return new Proxy(attributes, {
      get(target, key, receiver) {
        if (thrown) return Reflect.get(target, key, receiver);
        thrown = true;
        throw new Error('first read');
      },
    });
  },
};

/** Attacks through the prototype: own keys are still readable, so these spans are cleaned as usual. */
const PROTOTYPE_ATTACKS: Record<string, Attack> = {
  'JSON prototype': (attributes) =>
    Object.assign(attributes, JSON.parse(`{"__proto__": {"auth.token": "${SECRET}", "app.x": 1}}`)),
  'Buffer prototype': withPrototype(Buffer.from(SECRET)),
  'Proxy prototype': withPrototype(new Proxy({}, throwingTraps)),
  'throwing getter prototype': withPrototype({
    get 'app.boom'() {
      throw new Error('prototype getter');
    },
  }),
  'secret getter prototype': withPrototype({
    get 'auth.token'() {
      return SECRET;
    },
  }),
};

const ATTACKS: Record<string, Attack> = { ...THROWING_ATTACKS, ...PROTOTYPE_ATTACKS };
const TARGETS = ['span', 'event', 'link'] as const;

type Mutable = {
  attributes: Record<string, unknown>;
  events: { attributes?: Record<string, unknown> }[];
  links: { attributes?: Record<string, unknown> }[];
};

/** The secrets on the span, an event and a link, then one attack on the target's attributes. */
function attackSpan(tracer: Tracer, name: string, attack: Attack, target: (typeof TARGETS)[number]): Span {
  const link = tracer.startSpan('link target');
  link.end();
  const span = tracer.startSpan(name, {
    kind: SpanKind.CLIENT,
    links: [{ context: link.spanContext(), attributes: { ...SECRET_ATTRIBUTES } }],
  });
  span.setAttributes(SECRET_ATTRIBUTES);
  span.addEvent('query', SECRET_ATTRIBUTES);
  const raw = span as unknown as Mutable;
  if (target === 'span') raw.attributes = attack(raw.attributes);
  const event = raw.events[0];
  if (target === 'event' && event !== undefined) event.attributes = attack(event.attributes ?? {});
  const linked = raw.links[0];
  if (target === 'link' && linked !== undefined) linked.attributes = attack(linked.attributes ?? {});
  return span;
}

/**
 * A span as the next processor or the exporter reads it: every field, attributes walked with
 * for-in (as the exporter's row encoder walks them) and read by name (as the mapping reads them).
 * A read that throws is written as `<… threw>`.
 */
function exportedForm(span: ReadableSpan): string {
  const parts: string[] = [];
  const read = (what: string, get: () => unknown) => {
    try {
      parts.push(String(get()));
    } catch {
      parts.push(`<${what} threw>`);
    }
  };
  const walk = (what: string, attributes: () => Record<string, unknown> | undefined) =>
    read(what, () => {
      const object = attributes() ?? {};
      let text = '';
      for (const key in object) text += `${key}=${JSON.stringify(object[key])};`;
      return text;
    });
  read('name', () => span.name);
  read('status', () => span.status.message);
  walk('attributes', () => span.attributes);
  read('events', () => span.events.length);
  for (const event of span.events) {
    read('event name', () => event.name);
    walk('event attributes', () => event.attributes);
  }
  for (const link of span.links) walk('link attributes', () => link.attributes);
  walk('resource attributes', () => span.resource.attributes);
  read('trace points', () => JSON.stringify(mapSpan(span)));
  return parts.join('\n');
}

/** Names of the spans that show a secret or cannot be read. */
function leaking(spans: readonly ReadableSpan[]): string[] {
  return spans
    .filter((span) => {
      const form = exportedForm(span);
      return form.includes(SECRET) || form.includes(' threw>');
    })
    .map((span) => `${span.name}: ${exportedForm(span).slice(0, 300)}`);
}

/** Spans of `hostileSpan` with, now and then, an attack on their attributes or an event's or link's. */
function attackedHostileSpan(tracer: Tracer, r: Random, rate: number): void {
  const names = Object.keys(ATTACKS);
  hostileSpan(tracer, r, (span) => {
    writeRaw(span, SECRET_ATTRIBUTES);
    const raw = span as unknown as Mutable;
    if (r.next() < rate) raw.attributes = (ATTACKS[r.pick(names)] as Attack)(raw.attributes);
    for (const event of raw.events)
      if (r.next() < rate) event.attributes = (ATTACKS[r.pick(names)] as Attack)(event.attributes ?? {});
  });
}

describe.each(MODES)('hostile attribute objects never pass a secret on (%s)', (mode) => {
  it('every attack on span, event and link attributes: cleaned or masked, failures counted', async () => {
    let failing = 0;
    const run = await recordCleaned(mode, {}, (tracer) => {
      for (const [name, attack] of Object.entries(ATTACKS))
        for (const target of TARGETS) {
          const span = attackSpan(tracer, `${name} on ${target}`, attack, target);
          if (name in THROWING_ATTACKS) failing++;
          expect(() => span.end()).not.toThrow();
        }
    });
    const attacked = run.spans.filter((span) => span.name !== 'link target');
    expect(attacked).toHaveLength(Object.keys(ATTACKS).length * TARGETS.length);
    expect(leaking(run.spans)).toEqual([]);
    expect(run.stats).toMatchObject({ failedClosed: failing, internalErrors: failing, passedUncleaned: 0 });
    expect(run.stats.dropped).toEqual({});
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toMatch(/could not be cleaned, so its attribute values were masked/);

    // A span that failed closed keeps its shape: keys with masked values, marked as an anomaly.
    const getter = run.byName.get('own throwing getter on span');
    expect(getter?.attributes).toMatchObject({
      'db.password': '[REDACTED:cleanerFailed]',
      'app.note': '[REDACTED:cleanerFailed]',
      'app.boom': '[REDACTED:cleanerFailed]',
      'tracepoint.cleaner.anomalies': ['cleaner_failed'],
    });
    expect(getter?.events.map((event) => event.attributes?.['db.password'])).toEqual([
      '[REDACTED:cleanerFailed]',
    ]);
    // Not even its keys can be listed: the attributes object is replaced whole.
    expect({ ...run.byName.get('revoked proxy on span')?.attributes }).toEqual({
      'tracepoint.cleaner.anomalies': ['cleaner_failed'],
    });
    // Prototype attacks are cleaned as usual, into a plain object without the prototype.
    const decoded = run.byName.get('Proxy prototype on span');
    expect(Object.getPrototypeOf(decoded?.attributes)).toBe(Object.prototype);
    expect(decoded?.attributes).toMatchObject({
      'db.password': '[REDACTED:blockedKey]',
      'app.note': 'kept',
      'app.decoded': 'yes',
    });
    expect(run.stats.fixes['attributes.notPlain']).toBe(
      Object.keys(PROTOTYPE_ATTACKS).length * TARGETS.length,
    );
  });

  it('2000 random hostile spans, some attacked: none shows a secret, every failure counted', async () => {
    const r = prng(20261125);
    const run = await recordCleaned(mode, {}, (tracer) => {
      for (let i = 0; i < 2_000; i++) expect(() => attackedHostileSpan(tracer, r, 0.03)).not.toThrow();
    });
    expect(run.stats.spans).toBe(2_000);
    expect(leaking(run.spans)).toEqual([]);
    expect(run.stats.failedClosed).toBeGreaterThan(20);
    expect(run.stats.internalErrors).toBe(run.stats.failedClosed);
    expect(run.stats.passedUncleaned).toBe(0);
    expect(run.warnings).toHaveLength(1);
  });
});

describe.each(MODES)('hostile spans never make the cleaner throw (%s)', (mode) => {
  it('2000 random spans', async () => {
    const r = prng(20261124);
    const run = await recordCleaned(mode, {}, (tracer) => {
      for (let i = 0; i < 2_000; i++) expect(() => hostileSpan(tracer, r)).not.toThrow();
    });
    expect(run.stats.internalErrors).toBe(0);
    expect(run.warnings).toEqual([]);
    expect(run.stats.spans).toBe(2_000);
  });
});

describe('cleaned hostile spans are accepted by a real insert', () => {
  const store = testStore('cleaner-fuzz');

  it.each(MODES)(
    'attacked hostile spans land on chDB (%s), and no stored row holds a secret',
    async (mode) => {
      const r = prng(mode === 'copy' ? 11 : 12);
      const run = await recordCleaned(mode, {}, (tracer) => {
        for (let i = 0; i < 300; i++) attackedHostileSpan(tracer, r, 0.2);
      });
      const database = `hostile_${mode.replace(' ', '_')}`;
      const exporter = new ClickHouseSpanExporter({
        client: store.client,
        database,
        mode: 'sync',
        logger: { warn() {}, error() {} },
      });
      const result = await new Promise<{ code: number }>((resolve) => exporter.export(run.spans, resolve));
      await exporter.shutdown();

      const rows = async <T>(query: string) =>
        (await (await store.client.query({ query, format: 'JSONEachRow' })).json()) as T[];
      const tables = await rows<{ name: string }>(
        `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
      );
      const stored: string[] = [];
      for (const { name } of tables) {
        const texts = await rows<{ row: string }>(
          `SELECT formatRow('JSONEachRow', *) AS row FROM ${database}.${name}`,
        );
        stored.push(...texts.map(({ row }) => row));
      }
      expect(stored.filter((row) => row.includes(SECRET))).toEqual([]);
      // One row per span: trace points are columns of otel_traces, and trace_points a view over it.
      expect(tables.map(({ name }) => name)).toEqual(expect.arrayContaining(['otel_traces', 'trace_points']));
      expect(tables.map(({ name }) => name)).not.toContain('trace_points_spans');
      expect(stored.some((row) => row.includes('[REDACTED:cleanerFailed]'))).toBe(true);
      expect(result.code).toBe(0);
      expect(exporter.stats()).toMatchObject({ rowsRejected: 0, spansFailed: 0 });
      const [count] = await rows<{ n: string }>(`SELECT count() AS n FROM ${database}.otel_traces`);
      expect(Number(count?.n)).toBe(run.spans.length);
      expect(run.stats.failedClosed).toBeGreaterThan(20);
      expect(run.stats.internalErrors).toBe(run.stats.failedClosed);
    },
  );

  it('every one of 400 cleaned spans lands in otel_traces and trace_points, none refused', async () => {
    const memory = new InMemorySpanExporter();
    const cleaner = new CleanerSpanProcessor({ logger: { warn() {} } });
    const tracing = startTracing({
      serviceName: 'fuzz',
      spanProcessors: [cleaner as never, simpleSpanProcessor(memory)],
    });
    const r = prng(7);
    for (let i = 0; i < 400; i++) hostileSpan(tracing.tracer as unknown as Tracer, r);
    await tracing.provider.forceFlush();
    const spans: ReadableSpan[] = memory.getFinishedSpans().slice();
    await tracing.stop();
    const kept = spans.length;
    expect(kept).toBeGreaterThan(300);
    expect(cleaner.stats().internalErrors).toBe(0);

    const logged: string[] = [];
    const log = (message: string) => logged.push(message.slice(0, 600));
    const exporter = new ClickHouseSpanExporter({
      client: store.client,
      database: 'fuzz',
      mode: 'sync',
      logger: { warn: log, error: log },
    });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
      exporter.export(spans, resolve),
    );
    await exporter.shutdown();
    expect(result.error?.message).toBeUndefined();
    expect(result.code).toBe(0);
    expect(logged.slice(0, 3)).toEqual([]);
    expect(exporter.stats()).toMatchObject({ rowsRejected: 0, spansFailed: 0 });

    const count = async (table: string, column: string) =>
      Number(
        (
          (await (
            await store.client.query({
              query: `SELECT uniqExact(${column}) AS n FROM fuzz.${table}`,
              format: 'JSONEachRow',
            })
          ).json()) as { n: string }[]
        )[0]?.n,
      );
    expect(await count('otel_traces', 'SpanId')).toBe(kept);
    // The view shows every span that has points (internal spans without exceptions have none),
    // and as many points as mapSpan gives, though it derives them in SQL from the one span row.
    expect(await count('trace_points', 'span_id')).toBe(
      spans.filter((span) => mapSpan(span).length > 0).length,
    );
    const [points] = (await (
      await store.client.query({ query: 'SELECT count() AS n FROM fuzz.trace_points', format: 'JSONEachRow' })
    ).json()) as { n: string }[];
    expect(Number(points?.n)).toBe(spans.reduce((sum, span) => sum + mapSpan(span).length, 0));
  });
});
