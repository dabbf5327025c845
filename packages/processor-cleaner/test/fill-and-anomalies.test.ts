import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ANOMALIES_KEY, CLOCK_SHIFT_KEY, ORIGINAL_DURATION_KEY } from '@tracepoint/processor-cleaner';
import { truncationMarker } from '@tracepoint/processor-cleaner/internal';
import { describe, expect, it } from 'vitest';
import { MODES, recordCleaned, writeRaw } from './cleaned-spans.js';

const NO_DROPS = { dropHealthChecks: false, dropStaticAssets: false } as const;

function ended(tracer: Tracer, name: string, kind: SpanKind, attributes: Record<string, unknown>): void {
  const span = tracer.startSpan(name, { kind });
  writeRaw(span, attributes);
  span.end();
}

describe.each(MODES)('filling missing values (%s)', (mode) => {
  const statusCases = [
    { kind: SpanKind.SERVER, code: 503, expected: SpanStatusCode.ERROR },
    { kind: SpanKind.SERVER, code: 500, expected: SpanStatusCode.ERROR },
    { kind: SpanKind.SERVER, code: 404, expected: SpanStatusCode.UNSET },
    { kind: SpanKind.CLIENT, code: 404, expected: SpanStatusCode.ERROR },
    { kind: SpanKind.CLIENT, code: 502, expected: SpanStatusCode.ERROR },
    { kind: SpanKind.CLIENT, code: 302, expected: SpanStatusCode.UNSET },
    { kind: SpanKind.INTERNAL, code: 500, expected: SpanStatusCode.UNSET },
  ];

  it.each(statusCases)(
    'status from HTTP $code on kind $kind is $expected',
    async ({ kind, code, expected }) => {
      const run = await recordCleaned(mode, NO_DROPS, (tracer) => {
        ended(tracer, 'stable', kind, { 'http.request.method': 'GET', 'http.response.status_code': code });
        ended(tracer, 'old', kind, { 'http.method': 'GET', 'http.status_code': code });
      });
      expect(run.byName.get('stable')?.status.code).toBe(expected);
      expect(run.byName.get('old')?.status.code).toBe(expected);
      expect(run.stats.fixes['fill.status'] ?? 0).toBe(expected === SpanStatusCode.ERROR ? 2 : 0);
    },
  );

  it('keeps a status the instrumentation set', async () => {
    const run = await recordCleaned(mode, NO_DROPS, (tracer) => {
      const span = tracer.startSpan('ok', { kind: SpanKind.SERVER });
      span.setAttributes({ 'http.request.method': 'GET', 'http.response.status_code': 500 });
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
    });
    expect(run.byName.get('ok')?.status.code).toBe(SpanStatusCode.OK);
  });

  const nameCases = [
    {
      name: 'GET',
      attributes: { 'http.request.method': 'GET', 'http.route': '/users/:id' },
      expected: 'GET /users/:id',
    },
    {
      name: 'POST',
      attributes: { 'http.request.method': 'POST', 'url.path': '/orders/42/items' },
      expected: 'POST /orders/{id}/items',
    },
    {
      name: 'GET /custom',
      attributes: { 'http.request.method': 'GET', 'http.route': '/x' },
      expected: 'GET /custom',
    },
    { name: 'GET', attributes: { 'http.request.method': 'GET' }, expected: 'GET' },
  ];

  it.each(nameCases)(
    'server span "$name" with $attributes is named "$expected"',
    async ({ name, attributes, expected }) => {
      const run = await recordCleaned(mode, NO_DROPS, (tracer) =>
        ended(tracer, name, SpanKind.SERVER, attributes),
      );
      expect(run.spans.map((s) => s.name)).toEqual([expected]);
    },
  );

  it('fills service.name from the option when the resource has none, once per resource', async () => {
    const run = await recordCleaned(
      mode,
      { ...NO_DROPS, serviceName: 'billing' },
      (tracer) => {
        tracer.startSpan('a').end();
        tracer.startSpan('b').end();
      },
      { serviceName: '', resourceAttributes: { 'deployment.environment.name': 'test' } },
    );
    for (const span of run.spans) {
      expect(span.resource.attributes['service.name']).toBe('billing');
      expect(span.resource.attributes['deployment.environment.name']).toBe('test');
    }
    expect(run.stats.fixes['fill.serviceName']).toBe(1);
  });

  it.each([
    {
      kind: SpanKind.CLIENT,
      attributes: { 'server.address': '127.0.0.1', 'server.port': 8081 },
      expected: 'orders',
    },
    {
      kind: SpanKind.CLIENT,
      attributes: { 'server.address': '127.0.0.1', 'server.port': 9999 },
      expected: 'localhost-any-port',
    },
    { kind: SpanKind.PRODUCER, attributes: { 'net.peer.name': 'Queue.Local' }, expected: 'queue' },
    {
      kind: SpanKind.CLIENT,
      attributes: { 'server.address': '127.0.0.1', 'peer.service': 'set' },
      expected: 'set',
    },
    {
      kind: SpanKind.SERVER,
      attributes: { 'server.address': '127.0.0.1', 'server.port': 8081 },
      expected: undefined,
    },
    { kind: SpanKind.CLIENT, attributes: { 'server.address': '10.9.9.9' }, expected: undefined },
  ])(
    'peer.service by address: $attributes on kind $kind -> $expected',
    async ({ kind, attributes, expected }) => {
      const run = await recordCleaned(
        mode,
        {
          ...NO_DROPS,
          peerServiceMapping: {
            '127.0.0.1:8081': 'orders',
            '127.0.0.1': 'localhost-any-port',
            'queue.local': 'queue',
          },
        },
        (tracer) => ended(tracer, 'call', kind, attributes),
      );
      expect(run.byName.get('call')?.attributes['peer.service']).toBe(expected);
      const filled = expected !== undefined && !('peer.service' in attributes);
      expect(run.stats.fixes['fill.peerService'] ?? 0).toBe(filled ? 1 : 0);
    },
  );

  it('leaves a configured service.name alone', async () => {
    const run = await recordCleaned(
      mode,
      { ...NO_DROPS, serviceName: 'billing' },
      (tracer) => tracer.startSpan('a').end(),
      {
        serviceName: 'orders',
      },
    );
    expect(run.spans[0]?.resource.attributes['service.name']).toBe('orders');
  });
});

describe.each(MODES)('fixing anomalies (%s)', (mode) => {
  it('zero, too long and far-off durations and clocks', async () => {
    const now = Date.now();
    const run = await recordCleaned(mode, { ...NO_DROPS, maxDurationMillis: 60_000 }, (tracer) => {
      // The SDK turns an end before the start into a zero duration.
      tracer.startSpan('backwards', { startTime: now }).end(now - 5_000);
      tracer.startSpan('fine', { startTime: now - 20 }).end(now);
      tracer.startSpan('too long', { startTime: now - 3_600_000 }).end(now);
      const future = tracer.startSpan('future', { startTime: now + 86_400_000 });
      future.addEvent('mid', now + 86_400_000 + 5);
      future.end(now + 86_400_000 + 10);
      tracer.startSpan('past', { startTime: now - 172_800_000 }).end(now - 172_800_000 + 30);
    });
    // Exact: epoch nanoseconds do not fit a double.
    const ns = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
    const backwards = run.byName.get('backwards');
    expect(backwards?.attributes[ANOMALIES_KEY]).toEqual(['zero_duration']);

    const fine = run.byName.get('fine');
    expect(fine?.attributes[ANOMALIES_KEY]).toBeUndefined();

    const long = run.byName.get('too long');
    expect(long?.duration).toEqual([60, 0]);
    expect(ns(long?.endTime as [number, number]) - ns(long?.startTime as [number, number])).toBe(
      60_000_000_000n,
    );
    expect(long?.attributes[ORIGINAL_DURATION_KEY]).toBeCloseTo(3_600_000, 0);
    expect(long?.attributes[ANOMALIES_KEY]).toEqual(['duration_too_long']);

    for (const name of ['future', 'past']) {
      const span = run.byName.get(name);
      expect(span?.attributes[ANOMALIES_KEY], name).toEqual(['clock_shifted']);
      const endMillis = Number(ns(span?.endTime as [number, number]) / 1_000_000n);
      expect(Math.abs(endMillis - Date.now())).toBeLessThan(60_000);
      expect(span?.duration).toEqual(name === 'future' ? [0, 10e6] : [0, 30e6]);
      expect(Math.abs(Number(span?.attributes[CLOCK_SHIFT_KEY]))).toBeGreaterThan(86_000_000);
    }
    const future = run.byName.get('future');
    const eventOffset =
      ns(future?.events[0]?.time as [number, number]) - ns(future?.startTime as [number, number]);
    expect(eventOffset).toBe(5_000_000n);
    expect(run.stats.fixes).toMatchObject({ 'duration.zero': 1, 'duration.tooLong': 1, 'clock.shifted': 2 });
  });

  it('upper-case ids are lowered consistently for parent and child; garbage ids are replaced', async () => {
    // The SDK accepts upper-case hex ids (its check ignores case) but the data model wants lower case.
    const traceIds = ['ABCDEF0123456789ABCDEF0123456789', 'NOT-A-TRACE-ID'];
    const spanIds = ['ABCDEF0123456789', 'FEDCBA9876543210', 'zz'];
    const idGenerator = {
      generateTraceId: () => traceIds.shift() ?? 'x',
      generateSpanId: () => spanIds.shift() ?? 'x',
    };
    const run = await recordCleaned(
      mode,
      NO_DROPS,
      (tracer) => {
        tracer.startActiveSpan('parent', (parent: Span) => {
          tracer.startSpan('child').end();
          parent.end();
        });
        tracer.startSpan('broken', { root: true }).end();
      },
      { providerConfig: { idGenerator } },
    );
    const parent = run.byName.get('parent');
    const child = run.byName.get('child');
    expect(parent?.spanContext().traceId).toBe('abcdef0123456789abcdef0123456789');
    expect(parent?.spanContext().spanId).toBe('abcdef0123456789');
    expect(child?.spanContext().spanId).toBe('fedcba9876543210');
    expect(child?.spanContext().traceId).toBe(parent?.spanContext().traceId);
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    const broken = run.byName.get('broken')?.spanContext();
    expect(broken?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(broken?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(run.stats.fixes).toMatchObject({ 'id.traceId': 3, 'id.spanId': 3, 'id.parentSpanId': 1 });
  });

  const valueCases: { label: string; value: unknown; expected: unknown; fix: string }[] = [
    { label: 'NaN', value: Number.NaN, expected: 'NaN', fix: 'value.nonFinite' },
    { label: 'Infinity', value: Number.POSITIVE_INFINITY, expected: 'Infinity', fix: 'value.nonFinite' },
    { label: 'a BigInt', value: 2n ** 70n, expected: (2n ** 70n).toString(), fix: 'value.bigint' },
    { label: 'an object', value: { a: 1, b: [2] }, expected: '{"a":1,"b":[2]}', fix: 'value.object' },
    { label: 'a nested array', value: [1, [2, 3]], expected: '[1,[2,3]]', fix: 'value.nestedArray' },
    { label: 'a mixed array', value: ['a', 1, true], expected: ['a', '1', 'true'], fix: 'value.mixedArray' },
    { label: 'NaN in an array', value: [1, Number.NaN], expected: [1, null], fix: 'value.nonFinite' },
    { label: 'a Buffer', value: Buffer.from([0xff, 0x00, 0x41]), expected: '/wBB', fix: 'value.bytes' },
    { label: 'a Date', value: new Date(0), expected: '1970-01-01T00:00:00.000Z', fix: 'value.object' },
    { label: 'a function', value: () => 1, expected: undefined, fix: 'value.unsupported' },
    { label: 'a lone surrogate', value: 'a\ud800b', expected: 'a\ufffdb', fix: 'text.invalidUnicode' },
    {
      label: 'control characters',
      value: 'a\u0000b\u001bc\td\ne',
      expected: 'a\ufffdb\ufffdc\td\ne',
      fix: 'text.controlChars',
    },
  ];

  it.each(valueCases)('an attribute holding $label', async ({ value, expected, fix }) => {
    const run = await recordCleaned(mode, NO_DROPS, (tracer) =>
      ended(tracer, 'values', SpanKind.INTERNAL, { v: value }),
    );
    expect(run.byName.get('values')?.attributes.v).toEqual(expected);
    expect(run.stats.fixes[fix]).toBeGreaterThanOrEqual(1);
    expect(run.stats.internalErrors).toBe(0);
  });

  it('a circular object, a throwing getter and a deep nest', async () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const hostile = {
      get boom() {
        throw new Error('no');
      },
    };
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const run = await recordCleaned(mode, NO_DROPS, (tracer) =>
      ended(tracer, 'values', SpanKind.INTERNAL, { circular, hostile, deep }),
    );
    const attributes = run.byName.get('values')?.attributes;
    expect(attributes?.circular).toBe('{"name":"loop","self":"[Circular]"}');
    expect(attributes?.hostile).toBe('[unserializable]');
    expect(attributes?.deep).toBe(`${'['.repeat(32)}"[too deep]"${']'.repeat(32)}`);
  });

  it('oversized values are cut with a marker; long arrays are cut', async () => {
    const long = `${'word '.repeat(100)}tail`;
    const run = await recordCleaned(mode, { ...NO_DROPS, maxValueLength: 100, maxArrayLength: 3 }, (tracer) =>
      ended(tracer, 'sizes', SpanKind.INTERNAL, { long, list: [1, 2, 3, 4, 5], short: 'ok' }),
    );
    const attributes = run.byName.get('sizes')?.attributes;
    expect(attributes?.long).toBe(`${long.slice(0, 100)}${truncationMarker(long.length - 100)}`);
    expect(attributes?.list).toEqual([1, 2, 3]);
    expect(attributes?.short).toBe('ok');
    expect(run.stats.fixes).toMatchObject({ 'value.truncated': 1, 'array.truncated': 1 });
  });

  it('a cut never leaves the start of a token before the marker', async () => {
    const value = `id=${'x'.repeat(10)} key=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789`;
    const run = await recordCleaned(mode, { ...NO_DROPS, maxValueLength: 30 }, (tracer) =>
      ended(tracer, 'cut', SpanKind.INTERNAL, { value }),
    );
    // `key=AbCd…` is one token (`=` belongs to base64), so the cut goes back to the space before it.
    expect(run.byName.get('cut')?.attributes.value).toBe(
      `id=xxxxxxxxxx ${truncationMarker(value.length - 14)}`,
    );
  });

  it('too many attributes, events and links', async () => {
    const run = await recordCleaned(
      mode,
      { ...NO_DROPS, maxAttributes: 5, maxEvents: 2, maxLinks: 1 },
      (tracer) => {
        const other = tracer.startSpan('other');
        other.end();
        const span = tracer.startSpan('crowded', {
          links: [
            { context: other.spanContext() },
            { context: other.spanContext() },
            { context: other.spanContext() },
          ],
        });
        for (let i = 0; i < 8; i++) span.setAttribute(`a${i}`, i);
        for (let i = 0; i < 4; i++) span.addEvent(`e${i}`);
        span.end();
      },
    );
    const span = run.byName.get('crowded');
    expect(Object.keys(span?.attributes ?? {})).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(span?.droppedAttributesCount).toBe(3);
    expect(span?.events.map((e) => e.name)).toEqual(['e0', 'e1']);
    expect(span?.droppedEventsCount).toBe(2);
    expect(span?.links).toHaveLength(1);
    expect(span?.droppedLinksCount).toBe(2);
    expect(run.stats.fixes).toMatchObject({
      'attributes.overLimit': 3,
      'events.overLimit': 2,
      'links.overLimit': 2,
    });
  });

  it('too many attributes on events and links: each counts its own, a changed one under the limit none', async () => {
    const run = await recordCleaned(mode, { ...NO_DROPS, maxAttributes: 2 }, (tracer) => {
      const other = tracer.startSpan('other');
      other.end();
      const crowded = { a0: 0, a1: 1, a2: 2, a3: 3, a4: 4 };
      const span = tracer.startSpan('crowded', {
        links: [
          { context: other.spanContext(), attributes: crowded },
          { context: other.spanContext(), attributes: { 'db.password': 'hunter2' } },
        ],
      });
      span.addEvent('e0', crowded);
      span.addEvent('e1', { 'db.password': 'hunter2' });
      span.setAttribute('s', 1);
      span.end();
    });
    const span = run.byName.get('crowded');
    expect(span?.events.map((e) => [Object.keys(e.attributes ?? {}), e.droppedAttributesCount ?? 0])).toEqual(
      [
        [['a0', 'a1'], 3],
        [['db.password'], 0],
      ],
    );
    expect(span?.links.map((l) => [Object.keys(l.attributes ?? {}), l.droppedAttributesCount ?? 0])).toEqual([
      [['a0', 'a1'], 3],
      [['db.password'], 0],
    ]);
    expect(span?.links[1]?.attributes?.['db.password']).not.toBe('hunter2');
    expect(span?.droppedAttributesCount ?? 0).toBe(0);
    expect(run.stats.fixes).toMatchObject({ 'attributes.overLimit': 6 });
  });

  it('a clean span passes untouched and uncounted', async () => {
    const run = await recordCleaned(mode, NO_DROPS, (tracer) => {
      const span = tracer.startSpan('clean', { kind: SpanKind.CLIENT });
      span.setAttributes({
        'http.request.method': 'GET',
        'http.route': '/a',
        'http.response.status_code': 200,
      });
      span.end();
    });
    expect(run.stats.cleanedInPlace + run.stats.cleanedCopies).toBe(0);
    expect(run.stats.fixes).toEqual({});
    expect(run.stats.spans).toBe(1);
  });
});
