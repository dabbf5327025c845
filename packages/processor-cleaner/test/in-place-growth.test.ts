import { type Span, SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { recordCleaned } from './cleaned-spans.js';

// In place, the keys the cleaner adds (url.template here) go into the span's own attributes object
// instead of a copy of it (SpanCleaner.withAttribute); copy mode and frozen objects still copy.

const NO_DROPS = { dropHealthChecks: false, dropStaticAssets: false } as const;
const HTTP_CLIENT = {
  'http.request.method': 'GET',
  'url.full': 'http://inventory.internal:8080/inventory/4711',
  'server.address': 'inventory.internal',
  'http.response.status_code': 200,
};

type WithAttributes = { attributes: Record<string, unknown> };

function endClient(tracer: { startSpan: (name: string, options: object) => Span }, freeze = false) {
  const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: HTTP_CLIENT });
  const own = (span as unknown as WithAttributes).attributes;
  if (freeze) Object.freeze(own);
  span.end();
  return own;
}

describe('keys the cleaner adds', () => {
  it('in place, an HTTP span keeps its own attributes object, which gains url.template', async () => {
    let own: Record<string, unknown> | undefined;
    const run = await recordCleaned('in place', NO_DROPS, (tracer) => {
      own = endClient(tracer as never);
    });
    const span = run.byName.get('GET');
    expect(span?.attributes['url.template']).toBe('/inventory/{id}');
    expect(span?.attributes).toBe(own);
    expect(run.stats.cleanedInPlace).toBe(1);
  });

  it('in copy mode the original attributes are left as they were', async () => {
    let own: Record<string, unknown> | undefined;
    const run = await recordCleaned('copy', NO_DROPS, (tracer) => {
      own = endClient(tracer as never);
    });
    expect(run.byName.get('GET')?.attributes['url.template']).toBe('/inventory/{id}');
    expect(own).toEqual(HTTP_CLIENT);
  });

  it('in place, a frozen attributes object is copied and the copy gains url.template', async () => {
    let own: Record<string, unknown> | undefined;
    const run = await recordCleaned('in place', NO_DROPS, (tracer) => {
      own = endClient(tracer as never, true);
    });
    const span = run.byName.get('GET');
    expect(span?.attributes['url.template']).toBe('/inventory/{id}');
    expect(span?.attributes).not.toBe(own);
    expect(own).toEqual(HTTP_CLIENT);
    expect(run.warnings).toEqual([]);
  });

  it('in place, a span whose values are cleaned gets the copy with both the masked value and url.template', async () => {
    const run = await recordCleaned('in place', NO_DROPS, (tracer) => {
      tracer
        .startSpan('GET', {
          kind: SpanKind.CLIENT,
          attributes: {
            ...HTTP_CLIENT,
            'url.full': 'http://inventory.internal/inventory/9?api_key=k3y123456789',
          },
        })
        .end();
    });
    const attributes = run.byName.get('GET')?.attributes ?? {};
    expect(String(attributes['url.full'])).not.toContain('k3y123456789');
    expect(attributes['url.template']).toBe('/inventory/{id}');
  });
});
