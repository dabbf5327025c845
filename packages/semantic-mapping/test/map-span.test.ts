import { type Attributes, type Link, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToNanoString } from '@tracepoint/core';
import {
  createSpanMapper,
  forgetSpanMapping,
  mapSpan,
  PARAMS_DROPPED_KEY,
  SPAN_MAPPING_DEFAULTS,
} from '@tracepoint/semantic-mapping';
import {
  InMemorySpanExporter,
  resourceFromAttributes,
  simpleSpanProcessor,
  TracerProvider,
} from '@tracepoint-internal/otel-line';
import { afterAll, describe, expect, it } from 'vitest';
import { expectReadmeStatesDefaults } from '../../../test-support/readme-options.js';
import { edgesOf } from '../../../test-support/trace-points.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'billing' }),
  spanProcessors: [simpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('map-span-test');
afterAll(() => provider.shutdown());

function span(
  kind: SpanKind,
  attributes: Attributes,
  build: (s: ReturnType<typeof tracer.startSpan>) => void = () => {},
  options: { links?: Link[]; name?: string } = {},
) {
  exporter.reset();
  const s = tracer.startSpan(options.name ?? 'op', { kind, attributes, links: options.links });
  build(s);
  s.end();
  const [finished] = exporter.getFinishedSpans();
  if (finished === undefined) throw new Error('no span');
  return finished;
}

const producerAttributes = {
  'messaging.system': 'kafka',
  'messaging.destination.name': 'invoices',
  'messaging.operation.type': 'send',
  'tracepoint.caller.method': 'POST /invoices',
};

describe('mapSpan per span kind', () => {
  it('PRODUCER: call to the broker at start, response at end', () => {
    const s = span(SpanKind.PRODUCER, producerAttributes);
    const points = mapSpan(s);
    expect(edgesOf(points)).toEqual([
      ['call', 'billing', 'kafka:invoices', 'POST /invoices', 'send invoices'],
      ['response', 'kafka:invoices', 'billing', 'send invoices', 'POST /invoices'],
    ]);
    expect(points[0]?.timestamp).toBe(hrTimeToNanoString(s.startTime));
    expect(points[1]?.timestamp).toBe(hrTimeToNanoString(s.endTime));
    expect(points[1]?.durationNs).toBe(hrTimeToNanoString(s.duration));
    expect(points[0]?.parentSpanId).toBe('');
    expect(points[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(points[0]?.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('CONSUMER: the caller is the propagated producer', () => {
    const points = mapSpan(
      span(SpanKind.CONSUMER, {
        'messaging.system': 'kafka',
        'messaging.destination.name': 'invoices',
        'messaging.operation.type': 'process',
        'tracepoint.caller.component': 'api',
        'tracepoint.caller.method': 'POST /invoices',
      }),
    );
    expect(edgesOf(points)).toEqual([
      ['call', 'api', 'billing', 'POST /invoices', 'process invoices'],
      ['response', 'billing', 'api', 'process invoices', 'POST /invoices'],
    ]);
  });

  it("INTERNAL: nothing by default, a call and response inside the component with internalSpans: 'calls'", () => {
    const s = span(SpanKind.INTERNAL, {
      'code.function.name': 'render',
      'tracepoint.caller.method': 'GET /invoice',
    });
    expect(mapSpan(s)).toEqual([]);
    expect(edgesOf(mapSpan(s, { internalSpans: 'calls' }))).toEqual([
      ['call', 'billing', 'billing', 'GET /invoice', 'render'],
      ['response', 'billing', 'billing', 'render', 'GET /invoice'],
    ]);
  });

  it('serviceName overrides the resource; a missing service name is unknown_service', () => {
    const s = span(SpanKind.SERVER, { 'http.request.method': 'GET', 'http.route': '/x' });
    expect(mapSpan(s, { serviceName: 'edge' })[0]?.targetComponent).toBe('edge');
    const bare = new TracerProvider({ spanProcessors: [simpleSpanProcessor(exporter)] });
    exporter.reset();
    bare.getTracer('t').startSpan('op', { kind: SpanKind.SERVER }).end();
    const [noService] = exporter.getFinishedSpans();
    // The SDK fills in its default `unknown_service:<process>` name; the mapping keeps it.
    expect(mapSpan(noService as never)[0]?.targetComponent).toMatch(/^unknown_service/);
  });
});

describe('exceptions', () => {
  it('one point per exception event, at the event time, with type, message and stack', () => {
    const s = span(SpanKind.SERVER, { 'http.request.method': 'POST', 'http.route': '/pay' }, (live) => {
      live.recordException(new RangeError('amount out of range'));
      live.recordException({ name: 'Custom', message: 'second' });
      live.setStatus({ code: SpanStatusCode.ERROR, message: 'payment failed' });
    });
    const points = mapSpan(s);
    expect(points.map((p) => p.traceType)).toEqual(['call', 'exception', 'exception', 'response']);
    const [first, second] = points.filter((p) => p.traceType === 'exception');
    expect(first?.timestamp).toBe(hrTimeToNanoString(s.events[0]?.time ?? [0, 0]));
    expect(first?.exception?.type).toBe('RangeError');
    expect(first?.exception?.message).toBe('amount out of range');
    expect(first?.exception?.stacktrace).toMatch(/^RangeError: amount out of range\n\s+at /);
    expect(second?.exception).toEqual({ type: 'Custom', message: 'second', stacktrace: '' });
    expect(first).toMatchObject({
      sourceComponent: 'billing',
      sourceMethod: 'POST /pay',
      statusCode: 'Error',
    });
  });

  it('status ERROR without an exception event: one point, message from the status, else error.type', () => {
    const withMessage = span(SpanKind.CLIENT, { 'server.address': 'bank', 'error.type': 'timeout' }, (live) =>
      live.setStatus({ code: SpanStatusCode.ERROR, message: 'deadline exceeded' }),
    );
    expect(mapSpan(withMessage).filter((p) => p.traceType === 'exception')).toEqual([
      expect.objectContaining({
        timestamp: hrTimeToNanoString(withMessage.endTime),
        sourceComponent: 'billing',
        targetComponent: 'bank',
        exception: { type: 'timeout', message: 'deadline exceeded', stacktrace: '' },
      }),
    ]);
    const bare = span(SpanKind.CLIENT, { 'server.address': 'bank', 'error.type': '503' }, (live) =>
      live.setStatus({ code: SpanStatusCode.ERROR }),
    );
    expect(mapSpan(bare)[1]?.exception).toEqual({ type: '503', message: '503', stacktrace: '' });
    const nothing = span(SpanKind.CLIENT, { 'server.address': 'bank' }, (live) =>
      live.setStatus({ code: SpanStatusCode.ERROR }),
    );
    expect(mapSpan(nothing)[1]?.exception).toEqual({ type: 'Error', message: '', stacktrace: '' });
  });

  it('no exception point for OK or UNSET spans without exception events', () => {
    const ok = span(SpanKind.CLIENT, { 'server.address': 'bank' }, (live) =>
      live.setStatus({ code: SpanStatusCode.OK }),
    );
    expect(mapSpan(ok).map((p) => [p.traceType, p.statusCode])).toEqual([
      ['call', 'Unset'],
      ['response', 'Ok'],
    ]);
  });

  it('caps the stack trace', () => {
    const s = span(SpanKind.SERVER, {}, (live) =>
      live.addEvent('exception', { 'exception.type': 'E', 'exception.stacktrace': 'x'.repeat(5000) }),
    );
    expect(mapSpan(s, { maxStackTraceLength: 100 })[1]?.exception?.stacktrace).toBe(`${'x'.repeat(100)}…`);
  });
});

describe('params', () => {
  it('selected protocol attributes under their stable names, never URLs or query texts', () => {
    const s = span(SpanKind.CLIENT, {
      'http.method': 'GET',
      'http.status_code': 404,
      'http.url': 'https://api.example.com/users/7?token=secret',
      'db.statement': 'SELECT 1',
      'net.peer.name': 'api.example.com',
    });
    expect(mapSpan(s)[0]?.params).toEqual({
      'http.request.method': 'GET',
      'http.response.status_code': '404',
      'server.address': 'api.example.com',
    });
  });

  it('extra keys by option; bounded count (dropped ones counted) and bounded length', () => {
    const s = span(SpanKind.CLIENT, {
      'http.request.method': 'GET',
      'server.address': 'a',
      'server.port': 8080,
      'tenant.id': 't'.repeat(300),
      'feature.flags': ['a', 'b'],
    });
    expect(mapSpan(s, { paramAttributes: ['tenant.id', 'feature.flags'] })[0]?.params).toEqual({
      'http.request.method': 'GET',
      'server.address': 'a',
      'server.port': '8080',
      'tenant.id': `${'t'.repeat(256)}…`,
      'feature.flags': '["a","b"]',
    });
    expect(mapSpan(s, { paramAttributes: ['tenant.id', 'feature.flags'], maxParams: 2 })[0]?.params).toEqual({
      'http.request.method': 'GET',
      'server.address': 'a',
      [PARAMS_DROPPED_KEY]: '3',
    });
  });
});

describe('createSpanMapper shares its work through the span', () => {
  it('mappers of the same options map a span once; other options map it on their own', () => {
    const s = span(SpanKind.PRODUCER, producerAttributes);
    const first = createSpanMapper()(s);
    // A second mapper with no options (the exporter's, after the aggregator's) reads the same points.
    expect(createSpanMapper()(s)).toBe(first);
    const options = { serviceName: 'renamed' };
    const renamed = createSpanMapper(options)(s);
    expect(renamed).not.toBe(first);
    expect(renamed[0]?.sourceComponent).toBe('renamed');
    expect(createSpanMapper(options)(s)).toBe(renamed);
    // Each mapper still gets its own options' points, whichever mapped last.
    expect(createSpanMapper()(s)).toEqual(mapSpan(s));
    expect(createSpanMapper()(s)[0]?.sourceComponent).toBe('billing');
    const kept = createSpanMapper()(s);
    forgetSpanMapping(s);
    const again = createSpanMapper()(s);
    expect(again).not.toBe(kept);
    expect(again).toEqual(kept);
  });
});

describe('options', () => {
  it.each([
    [{ internalSpans: 'some' }, /internalSpans must be 'calls' or 'none'/],
    [{ maxParams: -1 }, /maxParams must be an integer >= 0/],
    [{ maxParamLength: 0 }, /maxParamLength must be an integer >= 1/],
    [{ maxStackTraceLength: 1.5 }, /maxStackTraceLength must be an integer >= 1/],
    [{ serviceName: '' }, /serviceName must be a non-empty string/],
    [{ paramAttributes: 'http.route' }, /paramAttributes must be an array/],
  ])('%j is refused with a message naming the option', (options, message) => {
    expect(() => createSpanMapper(options as never)).toThrow(message);
  });

  it('README states the defaults', () => {
    expectReadmeStatesDefaults(new URL('../README.md', import.meta.url), SPAN_MAPPING_DEFAULTS);
  });
});
