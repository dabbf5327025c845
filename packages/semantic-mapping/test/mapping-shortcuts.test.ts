import { type Attributes, SpanKind } from '@opentelemetry/api';
import { createSpanMapper, mapSpan, PARAMS_DROPPED_KEY, templatePath } from '@tracepoint/semantic-mapping';
import {
  InMemorySpanExporter,
  resourceFromAttributes,
  simpleSpanProcessor,
  TracerProvider,
} from '@tracepoint-internal/otel-line';
import { afterAll, describe, expect, it } from 'vitest';

// The mapper reads params through an index of the span's own keys, remembers the last settled
// resource's service and memoizes path templates (map-span.ts, path-template.ts). These tests
// hold each shortcut to what the plain lookups give.

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
