import {
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import { CallerPropagator, CallerSpanProcessor } from '@tracepoint/semantic-mapping';
import {
  decodeCallerEntry,
  encodeCallerEntry,
  MAX_CALLER_METHOD,
  MAX_ENTRY_LENGTH,
} from '@tracepoint/semantic-mapping/internal';
import {
  InMemorySpanExporter,
  resourceFromAttributes,
  simpleSpanProcessor,
  TracerProvider,
  W3CTraceContextPropagator,
} from '@tracepoint-internal/otel-line';
import { afterAll, describe, expect, it } from 'vitest';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'gateway' }),
  spanProcessors: [new CallerSpanProcessor(), simpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('caller-test');
const propagator = new CallerPropagator({ propagator: new W3CTraceContextPropagator() });
afterAll(() => provider.shutdown());

const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

describe('caller entry encoding', () => {
  it.each([
    ['gateway', 'GET /checkout'],
    ['svc,with=bad;chars', 'POST /a,b=c;d'],
    ['ümlaut-服务', 'GET /ünï/{id}'],
  ])('%s / %s round-trips through a valid tracestate value', (component, method) => {
    const value = encodeCallerEntry(component, method);
    expect(value).toMatch(TRACESTATE_VALUE);
    expect(decodeCallerEntry(value as string)).toEqual({ component, method });
  });

  it('caps the size: long methods are shortened, the entry never exceeds 256 characters', () => {
    const value = encodeCallerEntry('gateway', `GET /${'ü'.repeat(500)}`) as string;
    expect(value.length).toBeLessThanOrEqual(MAX_ENTRY_LENGTH);
    const decoded = decodeCallerEntry(value);
    expect(decoded?.component).toBe('gateway');
    expect(decoded?.method?.length).toBeLessThanOrEqual(MAX_CALLER_METHOD);
    expect(`GET /${'ü'.repeat(500)}`.startsWith(decoded?.method ?? 'x')).toBe(true);
  });

  it.each(['', ';', '%E0%A4%A', 'a;%ZZ', 'x'.repeat(300), `${'c'.repeat(65)};m`])('rejects %j', (raw) => {
    expect(decodeCallerEntry(raw)).toBeUndefined();
  });
});

describe('CallerPropagator', () => {
  it('adds one tracestate member naming this service and the calling method, and nothing else', () => {
    const headers: Record<string, string> = {};
    const server = tracer.startSpan('GET /checkout', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/checkout' },
    });
    const client = tracer.startSpan('GET', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, server));
    propagator.inject(trace.setSpan(ROOT_CONTEXT, client), headers, defaultTextMapSetter);
    expect(Object.keys(headers).sort()).toEqual(['traceparent', 'tracestate']);
    expect(headers.tracestate).toBe('tracepoint=gateway;GET%20%2Fcheckout');
    expect(headers.traceparent).toContain(client.spanContext().spanId);
    // The client span itself is unchanged.
    expect(client.spanContext().traceState).toBeUndefined();
    client.end();
    server.end();
  });

  it('keeps other vendors\u2019 members and replaces a stale entry of its own', () => {
    const inherited = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
      traceState: createTraceState('vendor=x,tracepoint=old;stale'),
    });
    const client = tracer.startSpan('GET', { kind: SpanKind.CLIENT }, inherited);
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, client), headers, defaultTextMapSetter);
    // A client span whose parent is remote has no local caller method: the entry names the component only.
    expect(headers.tracestate).toBe('tracepoint=gateway,vendor=x');
    client.end();
  });

  it('extract hands the caller to the server span and strips the member', () => {
    const headers = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=x,tracepoint=web;GET%20%2Fcart',
    };
    const extracted = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const remote = trace.getSpanContext(extracted);
    expect(remote?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(remote?.traceState?.serialize()).toBe('vendor=x');
    exporter.reset();
    tracer.startSpan('GET /items', { kind: SpanKind.SERVER }, extracted).end();
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes['tracepoint.caller.component']).toBe('web');
    expect(span?.attributes['tracepoint.caller.method']).toBe('GET /cart');
    expect(span?.spanContext().traceState?.get('tracepoint')).toBeUndefined();
  });

  it.each([
    ['garbage entry', 'tracepoint=%ZZ'],
    ['oversized', `tracepoint=${'a'.repeat(250)}`],
    ['broken tracestate', ',,,=,='],
  ])('a %s is ignored, the trace context still extracted, nothing thrown', (_label, tracestate) => {
    const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate };
    const extracted = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    expect(trace.getSpanContext(extracted)?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    exporter.reset();
    tracer.startSpan('srv', { kind: SpanKind.SERVER }, extracted).end();
    expect(exporter.getFinishedSpans()[0]?.attributes['tracepoint.caller.component']).toBeUndefined();
  });

  it('never throws, whatever the carrier or context', () => {
    expect(() => propagator.inject(ROOT_CONTEXT, {}, defaultTextMapSetter)).not.toThrow();
    expect(() => propagator.extract(ROOT_CONTEXT, {}, defaultTextMapGetter)).not.toThrow();
  });

  it('refuses a missing inner propagator with a message saying what to pass', () => {
    expect(() => new CallerPropagator({} as never)).toThrow(/needs \{ propagator \}/);
  });
});

describe('CallerSpanProcessor', () => {
  it('client and internal spans get the method of their nearest local server span; local roots get none', () => {
    exporter.reset();
    const server = tracer.startSpan('GET /orders/:id', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id' },
    });
    const inServer = trace.setSpan(ROOT_CONTEXT, server);
    const internal = tracer.startSpan('load', { kind: SpanKind.INTERNAL }, inServer);
    const client = tracer.startSpan(
      'SELECT',
      { kind: SpanKind.CLIENT },
      trace.setSpan(ROOT_CONTEXT, internal),
    );
    const root = tracer.startSpan('job', { kind: SpanKind.CLIENT });
    for (const s of [client, internal, server, root]) s.end();
    const byName = new Map(exporter.getFinishedSpans().map((s) => [s.name, s.attributes]));
    expect(byName.get('SELECT')?.['tracepoint.caller.method']).toBe('GET /orders/:id');
    expect(byName.get('load')?.['tracepoint.caller.method']).toBe('GET /orders/:id');
    expect(byName.get('job')?.['tracepoint.caller.method']).toBeUndefined();
    expect(byName.get('GET /orders/:id')?.['tracepoint.caller.method']).toBeUndefined();
  });

  it('uses the route the framework put in the RPC metadata before the server span has http.route', () => {
    exporter.reset();
    const server = tracer.startSpan('GET', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'url.path': '/orders/42' },
    });
    const rpc = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');
    const noRoute = trace.setSpan(ROOT_CONTEXT, server).setValue(rpc, { type: 'http', span: server });
    const withRoute = trace
      .setSpan(ROOT_CONTEXT, server)
      .setValue(rpc, { type: 'http', span: server, route: '/orders/:id' });
    tracer.startSpan('a', { kind: SpanKind.CLIENT }, noRoute).end();
    tracer.startSpan('b', { kind: SpanKind.CLIENT }, withRoute).end();
    server.end();
    const byName = new Map(exporter.getFinishedSpans().map((s) => [s.name, s.attributes]));
    expect(byName.get('a')?.['tracepoint.caller.method']).toBe('GET /orders/{id}');
    expect(byName.get('b')?.['tracepoint.caller.method']).toBe('GET /orders/:id');
  });

  it('annotateInternalSpans: false leaves internal spans alone', () => {
    const local = new InMemorySpanExporter();
    const p = new TracerProvider({
      spanProcessors: [new CallerSpanProcessor({ annotateInternalSpans: false }), simpleSpanProcessor(local)],
    });
    const t = p.getTracer('x');
    const server = t.startSpan('s', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/' },
    });
    t.startSpan('i', { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, server)).end();
    server.end();
    expect(
      local.getFinishedSpans().find((s) => s.name === 'i')?.attributes['tracepoint.caller.method'],
    ).toBeUndefined();
  });

  it('never throws into the app, whatever it is handed', () => {
    const processor = new CallerSpanProcessor();
    expect(() => processor.onStart(null as never, ROOT_CONTEXT)).not.toThrow();
    expect(() => processor.onStart({ kind: SpanKind.CLIENT } as never, null as never)).not.toThrow();
  });
});
