import { type Attributes, SpanKind } from '@opentelemetry/api';
import {
  createSpanMapper,
  isVariableSegment,
  mapSpan,
  PARAMS_DROPPED_KEY,
  templatePath,
} from '@tracepoint/semantic-mapping';
import {
  METHOD_RULES,
  methodOfSpan,
  TARGET_COMPONENT_RULES,
  TextJoiner,
  targetComponentOfSpan,
} from '@tracepoint/semantic-mapping/internal';
import {
  InMemorySpanExporter,
  resourceFromAttributes,
  simpleSpanProcessor,
  TracerProvider,
} from '@tracepoint-internal/otel-line';
import { afterAll, describe, expect, it } from 'vitest';
import { legDir, runNode } from '../../../test-support/child-process.js';

// The mapper reads params through an index of the span's own keys, remembers the last settled
// resource's service, memoizes path templates and joined rule outputs, and tests path segments
// with one character scan before any regex (map-span.ts, path-template.ts, joined-text.ts).
// These tests hold each shortcut to what the plain computation gives.

const providers: TracerProvider[] = [];
afterAll(() => Promise.all(providers.map((p) => p.shutdown())));

function tracerFor(service: string) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [simpleSpanProcessor(exporter)],
  });
  providers.push(provider);
  const tracer = provider.getTracer('mapping-shortcuts');
  return (kind: SpanKind, attributes: Attributes) => {
    exporter.reset();
    tracer.startSpan('op', { kind, attributes }).end();
    const [span] = exporter.getFinishedSpans();
    if (span === undefined) throw new Error('no span');
    return span;
  };
}

// Every alternative of the default param specs, and a few that are no param at all.
const NAMES = [
  'http.request.method',
  'http.method',
  'http.route',
  'http.response.status_code',
  'http.status_code',
  'url.scheme',
  'http.scheme',
  'network.protocol.version',
  'http.flavor',
  'server.address',
  'net.peer.name',
  'server.port',
  'net.peer.port',
  'db.system.name',
  'db.system',
  'db.namespace',
  'db.name',
  'db.collection.name',
  'db.sql.table',
  'db.mongodb.collection',
  'messaging.system',
  'messaging.system.name',
  'error.type',
  'app.extra',
  'app.other',
  'url.full',
];

/** The params as the plain lookups find them: each spec in order, its first present alternative. */
function expectedParams(attributes: Attributes, specs: readonly (readonly string[])[], maxParams: number) {
  const params: Record<string, string> = {};
  let kept = 0;
  let dropped = 0;
  for (const names of specs) {
    const name = names.find((n) => attributes[n] !== undefined && attributes[n] !== null);
    if (name === undefined || names[0] === undefined || names[0] in params) continue;
    if (kept >= maxParams) {
      dropped++;
      continue;
    }
    params[names[0]] = String(attributes[name]);
    kept++;
  }
  if (dropped > 0) params[PARAMS_DROPPED_KEY] = String(dropped);
  return params;
}

const DEFAULT_SPECS = [
  ['http.request.method', 'http.method'],
  ['http.route'],
  ['http.response.status_code', 'http.status_code'],
  ['url.scheme', 'http.scheme'],
  ['network.protocol.version', 'http.flavor'],
  ['server.address', 'net.peer.name'],
  ['server.port', 'net.peer.port'],
  ['db.system.name', 'db.system'],
  ['db.namespace', 'db.name'],
  ['db.operation.name', 'db.operation'],
  ['db.collection.name', 'db.sql.table', 'db.mongodb.collection'],
  ['db.response.status_code'],
  ['rpc.system.name', 'rpc.system'],
  ['rpc.response.status_code', 'rpc.grpc.status_code'],
  ['messaging.system', 'messaging.system.name'],
  ['messaging.destination.name', 'messaging.destination'],
  ['messaging.operation.type', 'messaging.operation'],
  ['error.type'],
];

describe('params through the key index', () => {
  const span = tracerFor('shop');
  it('match the plain lookups with the default specs too (params made by one object literal per key set)', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // maxParams 4: sets of more than four specs take the key-by-key path with its dropped count.
    for (const options of [undefined, { maxParams: 4 }, { maxParamLength: 3 }]) {
      for (let round = 0; round < 300; round++) {
        const attributes: Attributes = {};
        for (const name of [...NAMES].sort(() => random() - 0.5))
          if (random() < 0.3) attributes[name] = random() < 0.5 ? `v-${name}` : Math.floor(random() * 500);
        const expected = expectedParams(attributes, DEFAULT_SPECS, options?.maxParams ?? 32);
        if (options?.maxParamLength !== undefined)
          for (const key of Object.keys(expected)) {
            const value = expected[key] as string;
            if (value.length > 3) expected[key] = `${value.slice(0, 3)}…`;
          }
        const params = mapSpan(span(SpanKind.CLIENT, attributes), options)[0]?.params ?? {};
        expect(params).toEqual(expected);
        expect(Object.keys(params)).toEqual(Object.keys(expected));
        expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
      }
    }
  });

  it('match the plain lookups on random attribute sets (stable before old names, spec order, maxParams)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const extra = ['app.extra', 'http.method', 'http.route'];
    const specs = [...DEFAULT_SPECS, ...extra.map((k) => [k])];
    for (const maxParams of [32, 3]) {
      const options = { paramAttributes: extra, maxParams };
      for (let round = 0; round < 300; round++) {
        const attributes: Attributes = {};
        // Random order too: the index walks the span's keys, the params must follow the specs.
        for (const name of [...NAMES].sort(() => random() - 0.5))
          if (random() < 0.3) attributes[name] = random() < 0.5 ? `v-${name}` : Math.floor(random() * 500);
        const points = mapSpan(span(SpanKind.CLIENT, attributes), options);
        expect(points[0]?.params).toEqual(expectedParams(attributes, specs, maxParams));
        expect(Object.keys(points[0]?.params ?? {})).toEqual(
          Object.keys(expectedParams(attributes, specs, maxParams)),
        );
      }
    }
  });

  it('treat a param named like an Object.prototype property as the plain lookups do', () => {
    const attributes = { constructor: 'mine', 'http.method': 'GET' };
    const specs = [...DEFAULT_SPECS, ['constructor'], ['toString']];
    const points = mapSpan(span(SpanKind.SERVER, attributes), {
      paramAttributes: ['constructor', 'toString'],
    });
    expect(Object.keys(points[0]?.params ?? {})).toEqual(Object.keys(expectedParams(attributes, specs, 32)));
  });
});

describe('service of the span', () => {
  it('follows the resource of each span when spans of two resources alternate', () => {
    const billing = tracerFor('billing');
    const orders = tracerFor('orders');
    const mapper = createSpanMapper();
    for (let i = 0; i < 3; i++) {
      expect(mapper.serviceOf(billing(SpanKind.SERVER, {}))).toBe('billing');
      expect(mapper(orders(SpanKind.SERVER, {}))[0]?.targetComponent).toBe('orders');
    }
  });

  it('reads a pending resource again on every span instead of remembering it', () => {
    const span = tracerFor('billing')(SpanKind.SERVER, {});
    let attributes: Attributes = { 'service.name': 'early' };
    const pending = {
      asyncAttributesPending: true,
      get attributes() {
        return attributes;
      },
    };
    const mapper = createSpanMapper();
    const view = (resource: object) =>
      new Proxy(span, { get: (target, p) => (p === 'resource' ? resource : Reflect.get(target, p)) });
    expect(mapper.serviceOf(view(pending) as never)).toBe('early');
    attributes = { 'service.name': 'settled' };
    expect(mapper.serviceOf(view(pending) as never)).toBe('settled');
  });
});

describe('path templates', () => {
  it('give the same template from the memo as the first time, past the memo bound', () => {
    const first = new Map<string, string>();
    for (let i = 0; i < 3000; i++) {
      const path = `/users/${i}/orders/ord_${i * 7}?page=${i}`;
      first.set(path, templatePath(path));
    }
    for (const [path, template] of first) expect(templatePath(path)).toBe(template);
    expect(templatePath('/users/42/orders/ord_2931?x=1')).toBe('/users/{id}/orders/{id}');
    const long = `/${'a'.repeat(600)}/123`;
    expect(templatePath(long)).toBe(templatePath(long));
  });
});

/** The segment test as it was: a regex per pattern (the plain computation the character scan must agree with). */
function plainIsVariableSegment(segment: string): boolean {
  if (!/[0-9]/.test(segment) && !segment.includes('@')) return false;
  return (
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment) ||
    /^[0-9a-f]{8,}$/i.test(segment) ||
    /^[A-Za-z0-9_-]{16,}$/.test(segment) ||
    /^\d{4}-\d{2}-\d{2}/.test(segment) ||
    /[0-9]{3}/.test(segment) ||
    segment.includes('@') ||
    /^[0-9][0-9.,:_-]*$/.test(segment)
  );
}

describe('path segments', () => {
  it('the character scan agrees with the regexes on 200k random segments and the usual shapes', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // Digits weighted up, hex letters, separators, an @, a non-ASCII digit (which \d does not match).
    const alphabet = '0123456789012345678901234abcdefABCDEFxyzXYZ-_.,:@\u0663é';
    const shapes = [
      '8f14e45f-ceea-467f-a0e6-5e8b5b1a2c3d',
      'abcdefab-cdef-abcd-efab-cdefabcdef1a',
      '2024-01-31',
      'a1b2c3d4',
      '1.5',
      '12',
      'v1',
      'oauth2',
      'ipv6',
      'SKU-0142',
      'user@example.com',
      'aB3_cD4-eF5_gH6-',
      '',
      'users',
      '\u0663\u0663\u0663',
    ];
    let wrong = 0;
    for (const segment of shapes) if (isVariableSegment(segment) !== plainIsVariableSegment(segment)) wrong++;
    for (let n = 0; n < 200_000; n++) {
      let segment = '';
      const length = 1 + Math.floor(random() * (random() < 0.2 ? 40 : 10));
      for (let i = 0; i < length; i++) segment += alphabet[Math.floor(random() * alphabet.length)];
      if (isVariableSegment(segment) !== plainIsVariableSegment(segment)) wrong++;
    }
    expect(wrong).toBe(0);
  });
});

describe('joined rule outputs', () => {
  it('are the plain concatenation while remembered, past the bound and for long texts', () => {
    const joiner = new TextJoiner(':');
    for (let i = 0; i < 3000; i++) {
      const head = `host-${i % 700}`;
      const tail = String(i % 3);
      const joined = joiner.join(head, tail);
      expect(joined).toBe(`${head}:${tail}`);
      expect(joiner.join(head, tail)).toBe(joined);
    }
    const long = 'h'.repeat(300);
    expect(joiner.join(long, '1')).toBe(`${long}:1`);
    // One head with two tails: each tail its own text.
    expect(joiner.join('db', 'a')).toBe('db:a');
    expect(joiner.join('db', 'b')).toBe('db:b');
  });

  it('the rules name the same methods and components with the joiners as by concatenation', () => {
    const span = tracerFor('shop');
    for (let i = 0; i < 2500; i++) {
      const points = mapSpan(
        span(SpanKind.CLIENT, {
          'db.system.name': 'postgresql',
          'db.namespace': `db${i % 1100}`,
          'db.operation.name': 'SELECT',
          'db.collection.name': `t${i % 1300}`,
        }),
      );
      expect(points[0]?.targetComponent).toBe(`postgresql:db${i % 1100}`);
      expect(points[0]?.targetMethod).toBe(`SELECT t${i % 1300}`);
    }
    const client = mapSpan(
      span(SpanKind.CLIENT, {
        'http.request.method': 'GET',
        'server.address': 'orders',
        'server.port': 8080,
      }),
    );
    expect(client[0]?.targetComponent).toBe('orders:8080');
    const rpc = mapSpan(span(SpanKind.CLIENT, { 'rpc.service': 'shop.Cart', 'rpc.method': 'Add' }));
    expect(rpc[0]?.targetMethod).toBe('shop.Cart/Add');
    const code = mapSpan(span(SpanKind.SERVER, { 'code.namespace': 'billing', 'code.function': 'run' }));
    expect(code[0]?.targetMethod).toBe('billing.run');
  });
});

describe('INTERNAL spans without calls', () => {
  it('give the exception points the calls mode gives, and nothing else, with or without exceptions and errors', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop' }),
      spanProcessors: [simpleSpanProcessor(exporter)],
    });
    providers.push(provider);
    const tracer = provider.getTracer('internal-shortcut');
    for (let i = 0; i < 64; i++) {
      const span = tracer.startSpan(`step-${i % 5}`, {
        kind: SpanKind.INTERNAL,
        attributes: i % 3 === 0 ? { 'code.function.name': `fn${i}` } : { 'app.extra': i },
      });
      if (i & 1) span.recordException(Object.assign(new Error('boom'), { name: 'BoomError' }));
      if (i & 2) span.addEvent('not-an-exception');
      if (i & 4) span.setStatus({ code: 2, message: 'failed' });
      if (i & 8) span.setStatus({ code: 1 });
      span.end();
    }
    const spans = exporter.getFinishedSpans();
    let withPoints = 0;
    for (const span of spans) {
      const calls = mapSpan(span, { internalSpans: 'calls' });
      const none = mapSpan(span, { internalSpans: 'none' });
      expect(none).toEqual(calls.filter((point) => point.traceType === 'exception'));
      if (none.length > 0) withPoints++;
    }
    expect(withPoints).toBeGreaterThan(10);
    expect(withPoints).toBeLessThan(spans.length);
  });
});

describe('rules skipped when none of their required names is on the span', () => {
  const rules = [...TARGET_COMPONENT_RULES, ...METHOD_RULES];

  it('each rule gives nothing on its examples once its required names are gone', () => {
    for (const rule of rules) {
      for (const example of rule.examples) {
        for (const attributes of [example.stable, example.old]) {
          if (attributes === undefined) continue;
          const without: Attributes = { ...attributes };
          for (const group of rule.requires) for (const name of group) delete without[name];
          expect(rule.resolve(without), `${rule.name}`).toBeUndefined();
        }
      }
    }
  });

  it('the mapper names the same targets and methods as every rule tried in order, on random attribute sets', () => {
    let seed = 3;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const names = [...new Set(rules.flatMap((rule) => rule.reads.flat()))];
    const values: Attributes[string][] = [
      '',
      'x',
      'GET',
      '/a/12345',
      'http://h:81/p?q',
      'pg',
      0,
      443,
      8080,
      true,
      ['a'],
    ];
    const span = tracerFor('shop');
    let wrong = 0;
    let named = 0;
    for (let round = 0; round < 3000; round++) {
      const attributes: Attributes = {};
      // Few names per span, as on real spans, so that most rules are skipped and some match.
      for (const name of names)
        if (random() < 0.08) attributes[name] = values[Math.floor(random() * values.length)];
      for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
        const finished = span(kind, attributes);
        const [call] = mapSpan(finished);
        const method = methodOfSpan(finished.attributes, finished.name);
        if (call?.targetMethod !== method) wrong++;
        if (kind === SpanKind.CLIENT && call?.targetComponent !== targetComponentOfSpan(finished.attributes))
          wrong++;
        if (method !== finished.name) named++;
      }
    }
    expect(wrong).toBe(0);
    expect(named).toBeGreaterThan(500);
  });
});

describe('params in a process that refuses code generation from strings', () => {
  it('are the same params, made key by key (the object-literal factories need new Function)', async () => {
    const script = new URL('./fixtures/params-without-codegen.mjs', import.meta.url).pathname;
    const env = { TRACEPOINT_LEG_DIR: legDir() };
    const allowed = JSON.parse(await runNode(script, env));
    const refused = JSON.parse(await runNode(script, env, ['--disallow-code-generation-from-strings']));
    expect([allowed.codegen, refused.codegen]).toEqual([true, false]);
    expect(refused.params).toEqual(allowed.params);
    expect(allowed.params[0]).toEqual({
      'http.request.method': 'GET',
      'http.route': '/orders/:id',
      'http.response.status_code': '200',
      'server.port': '443',
    });
    expect(Object.keys(refused.params[1])).toEqual(Object.keys(allowed.params[1]));
  });
});
