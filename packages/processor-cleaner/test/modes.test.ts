import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ANOMALIES_KEY, CleanerSpanProcessor } from '@tracepoint/processor-cleaner';
import {
  InMemorySpanExporter,
  OTEL_LINE,
  type ReadableSpan,
  simpleSpanProcessor,
} from '@tracepoint-internal/otel-line';
import { describe, expect, it } from 'vitest';
import { endedSpans } from '../../../test-support/ended-spans.js';
import { startTracing } from '../../../test-support/tracing.js';
import { type CleanerRun, MODES, recordCleaned, writeRaw } from './cleaned-spans.js';

/** Counter ids, so two runs of the same scenario get the same ids. */
function countingIds() {
  let n = 0;
  const hex = (width: number) => (++n).toString(16).padStart(width, '0');
  return { generateTraceId: () => hex(32), generateSpanId: () => hex(16) };
}

/** A scenario with something for every part of the cleaner, at fixed times. */
function scenario(tracer: Tracer, t0: number, error: Error): void {
  tracer.startActiveSpan('GET', { kind: SpanKind.SERVER, startTime: t0 }, (server: Span) => {
    server.setAttributes({
      'http.request.method': 'GET',
      'url.path': '/users/42',
      'http.response.status_code': 503,
    });
    const client = tracer.startSpan('GET', { kind: SpanKind.CLIENT, startTime: t0 + 1 });
    client.setAttributes({
      'http.request.method': 'GET',
      'url.full': 'https://admin:pw@pay.example.com/charge?api_key=k3y123456&amount=5',
      'http.response.status_code': 404,
    });
    writeRaw(client, {
      weird: { nested: [1, 2] },
      nan: Number.NaN,
      note: 'mail ann@example.com',
      long: 'x'.repeat(20_000),
    });
    client.addEvent('retry', { attempt: 1, token: 'abcdef' }, t0 + 2);
    client.recordException(error, t0 + 3);
    client.end(t0 + 4);
    tracer.startSpan('middleware - probe', { startTime: t0 + 5 }).end(t0 + 6);
    const db = tracer.startSpan('SELECT', { kind: SpanKind.CLIENT, startTime: t0 + 7 });
    db.setAttributes({
      'db.system.name': 'postgresql',
      'db.query.text': "SELECT * FROM t WHERE name = 'ann'",
    });
    db.setStatus({ code: SpanStatusCode.ERROR, message: 'password=hunter2 rejected' });
    db.end(t0 + 7);
    server.end(t0 + 10);
  });
}

/** What an exporter reads from a span, as plain data. */
function exported(span: ReadableSpan) {
  return {
    name: span.name,
    kind: span.kind,
    context: span.spanContext(),
    parent: span.parentSpanContext?.spanId,
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    status: span.status,
    attributes: span.attributes,
    events: span.events,
    links: span.links,
    resource: span.resource.attributes,
    dropped: [span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount],
  };
}

describe(`in place, copy and deferred give the same spans (OpenTelemetry JS ${OTEL_LINE}.x)`, () => {
  it('on a scenario touching every feature', async () => {
    const options = { dropRules: [{ name: 'probe', spanName: 'middleware - probe' }] };
    const runs: CleanerRun[] = [];
    const t0 = Date.now() - 1_000;
    // One error object: its stack names the call site, which differs between the two runs.
    const error = new Error('card 4111 1111 1111 1111 declined');
    for (const mode of MODES) {
      runs.push(
        await recordCleaned(mode, options, (tracer) => scenario(tracer, t0, error), {
          providerConfig: { idGenerator: countingIds() },
        }),
      );
    }
    const [inPlace, copy, deferred] = runs as [CleanerRun, CleanerRun, CleanerRun];
    expect(inPlace.spans.map(exported)).toEqual(copy.spans.map(exported));
    expect(deferred.spans.map(exported)).toEqual(inPlace.spans.map(exported));
    expect(deferred.stats).toEqual(inPlace.stats);
    expect(inPlace.spans).toHaveLength(3);
    const { cleanedInPlace, cleanedCopies, ...counts } = inPlace.stats;
    const { cleanedInPlace: _a, cleanedCopies: _b, ...copyCounts } = copy.stats;
    expect(counts).toEqual(copyCounts);
    expect(cleanedInPlace).toBe(3);
    expect(cleanedCopies).toBe(0);
    expect(copy.stats.cleanedCopies).toBe(3);
    // Spot checks that the scenario exercised the features.
    const client = inPlace.spans.find((s) => s.kind === SpanKind.CLIENT && s.name === 'GET');
    expect(client?.attributes['url.full']).toBe(
      'https://REDACTED:REDACTED@pay.example.com/charge?api_key=REDACTED&amount=5',
    );
    expect(client?.status.code).toBe(SpanStatusCode.ERROR);
    expect(inPlace.stats.dropped).toEqual({ probe: 1 });
  });
});

describe('deferred to the hand-off', () => {
  it('cleans nothing while spans end, then cleans the batch judging each span by the clock it ended at', async () => {
    const cleaner = new CleanerSpanProcessor();
    const stage = cleaner.deferToHandOff();
    const { spans: ended, processor: collecting } = endedSpans();
    const tracing = startTracing({
      serviceName: 'deferred',
      spanProcessors: [cleaner as never, collecting as never],
    });
    for (const name of ['on time', 'judged late']) {
      const span = tracing.tracer.startSpan(name, { attributes: { 'db.password': 'hunter2' } });
      span.end();
    }
    await tracing.stop();
    // Nothing was cleaned while the spans ended: a processor after a deferred cleaner sees them raw.
    expect(ended.map((span) => span.attributes['db.password'])).toEqual(['hunter2', 'hunter2']);
    expect(cleaner.stats().spans).toBe(0);
    const endedAt = Date.now();
    // The second span is judged as if handled 10 minutes after it ended: past maxClockSkewMillis.
    stage.processBatch(ended, Float64Array.from([endedAt, endedAt + 600_000]));
    expect(ended.map((span) => span.attributes['db.password'])).toEqual([
      '[REDACTED:blockedKey]',
      '[REDACTED:blockedKey]',
    ]);
    expect(cleaner.stats().spans).toBe(2);
    expect(cleaner.stats().fixes).toEqual({ 'clock.shifted': 1 });
    expect(ended[1]?.attributes[ANOMALIES_KEY]).toEqual(['clock_shifted']);
    expect(ended[0]?.attributes[ANOMALIES_KEY]).toBeUndefined();
  });

  it('is refused in copy mode, with what to do', () => {
    const next = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
    expect(() => new CleanerSpanProcessor({ next }).deferToHandOff()).toThrow(
      /copy mode .* cannot be deferred/,
    );
  });
});

describe('never throws into the app', () => {
  it('survives a throwing downstream processor and logger, counting the errors', async () => {
    const throwing = {
      onStart() {
        throw new Error('next onStart');
      },
      onEnd() {
        throw new Error('next onEnd');
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const cleaner = new CleanerSpanProcessor({
      next: throwing,
      logger: {
        warn() {
          throw new Error('logger');
        },
      },
    });
    const tracing = startTracing({ serviceName: 'robust', spanProcessors: [cleaner as never] });
    expect(() => tracing.tracer.startSpan('a').end()).not.toThrow();
    await tracing.stop();
    expect(cleaner.stats().internalErrors).toBe(2);
  });

  it('survives spans it cannot change (frozen) and garbage passed as spans', async () => {
    const memory = new InMemorySpanExporter();
    const tracing = startTracing({ serviceName: 'robust', spanProcessors: [simpleSpanProcessor(memory)] });
    for (const name of ['frozen', 'deep frozen']) {
      const span = tracing.tracer.startSpan(name);
      span.setAttribute('db.password', 'x');
      span.end();
    }
    const [frozen, deepFrozen] = memory.getFinishedSpans().map((span) => Object.freeze(span));
    Object.freeze(deepFrozen?.attributes);
    await tracing.stop();

    const warnings: string[] = [];
    const cleaner = new CleanerSpanProcessor({ logger: { warn: (m) => warnings.push(m) } });
    // The span cannot take a patch, but its attributes object can still be masked where it is.
    expect(() => cleaner.onEnding(frozen as never)).not.toThrow();
    expect(frozen?.attributes['db.password']).toBe('[REDACTED:cleanerFailed]');
    expect(cleaner.stats()).toMatchObject({ failedClosed: 1, passedUncleaned: 0 });
    // Nothing of it can be written: the one case that passes on as it was, counted.
    expect(() => cleaner.onEnding(deepFrozen as never)).not.toThrow();
    expect(deepFrozen?.attributes['db.password']).toBe('x');
    expect(cleaner.stats()).toMatchObject({ failedClosed: 1, passedUncleaned: 1 });
    for (const garbage of [null, undefined, 42, {}, { spanContext: 1 }]) {
      expect(() => cleaner.onStart(garbage as never, undefined as never)).not.toThrow();
      expect(() => cleaner.onEnding(garbage as never)).not.toThrow();
      expect(() => cleaner.onEnd(garbage as never)).not.toThrow();
    }
    expect(cleaner.stats().internalErrors).toBeGreaterThan(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not be cleaned/);
  });
});
