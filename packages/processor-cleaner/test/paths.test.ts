import { SpanKind } from '@opentelemetry/api';
import { URL_TEMPLATE_KEY } from '@tracepoint/processor-cleaner/internal';
import { mapSpan } from '@tracepoint/semantic-mapping';
import { describe, expect, it } from 'vitest';
import { MODES, recordCleaned } from './cleaned-spans.js';

const templateCases = [
  { path: '/users/123', expected: '/users/{id}' },
  { path: '/users/123/orders/9?x=1', expected: '/users/{id}/orders/{id}' },
  { path: '/orders/8f14e45f-ceea-467f-a0e6-5e8b5b1a2c3d', expected: '/orders/{id}' },
  { path: '/blobs/deadbeef01234567', expected: '/blobs/{id}' },
  { path: '/reports/2024-11-24/summary', expected: '/reports/{id}/summary' },
  { path: '/users/ann@example.com/profile', expected: '/users/{id}/profile' },
  { path: '/static/v2/app', expected: '/static/v2/app' },
  { path: '/products/SKU-0142/reviews', expected: '/products/{id}/reviews' },
  { path: '/auth/oauth2/ipv6', expected: '/auth/oauth2/ipv6' },
  { path: '/', expected: '/' },
];

describe.each(MODES)('path templating (%s)', (mode) => {
  it.each(templateCases)('$path -> $expected', async ({ path, expected }) => {
    const run = await recordCleaned(mode, {}, (tracer) => {
      tracer
        .startSpan('GET', {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': 'GET', 'url.full': `http://orders:8080${path}` },
        })
        .end();
    });
    const span = run.spans[0];
    expect(span?.attributes[URL_TEMPLATE_KEY]).toBe(expected);
    // The mapping reads the template, so the trace point's method is the same.
    expect(mapSpan(span as never)[0]?.targetMethod).toBe(`GET ${expected}`);
  });

  it('a route wins; no template is added next to it', async () => {
    const run = await recordCleaned(mode, {}, (tracer) => {
      tracer
        .startSpan('GET', {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': 'GET', 'http.route': '/users/:id', 'url.path': '/users/7' },
        })
        .end();
    });
    expect(run.spans[0]?.attributes[URL_TEMPLATE_KEY]).toBeUndefined();
  });

  it('user patterns come first', async () => {
    const run = await recordCleaned(
      mode,
      { pathPatterns: [{ match: '/shops/*/cart', template: '/shops/{shop}/cart' }] },
      (tracer) => {
        for (const path of ['/shops/acme/cart', '/shops/42/items']) {
          tracer
            .startSpan(path, {
              kind: SpanKind.SERVER,
              attributes: { 'http.request.method': 'GET', 'url.path': path },
            })
            .end();
        }
      },
    );
    expect(run.spans.map((s) => s.attributes[URL_TEMPLATE_KEY])).toEqual([
      '/shops/{shop}/cart',
      '/shops/{id}/items',
    ]);
  });

  it('the guard caps distinct literals per position', async () => {
    const paths = ['/wiki/alpha', '/wiki/beta', '/wiki/gamma', '/wiki/delta', '/wiki/alpha', '/docs/intro'];
    const run = await recordCleaned(mode, { maxValuesPerPathPosition: 3 }, (tracer) => {
      for (const path of paths) {
        tracer
          .startSpan(path, {
            kind: SpanKind.SERVER,
            attributes: { 'http.request.method': 'GET', 'url.path': path },
          })
          .end();
      }
    });
    expect(run.spans.map((s) => s.attributes[URL_TEMPLATE_KEY])).toEqual([
      '/wiki/alpha',
      '/wiki/beta',
      '/wiki/gamma',
      '/wiki/{id}',
      '/wiki/alpha',
      '/docs/intro',
    ]);
    expect(run.stats.fixes['path.guarded']).toBe(1);
  });

  it('a path seen before gets the same template and counts its refused segments again', async () => {
    // PathTemplater remembers templates by path; the guard's refusals are replayed into the stats.
    const paths = [
      '/wiki/alpha',
      '/wiki/beta',
      '/wiki/delta/x',
      '/wiki/delta/x',
      '/wiki/alpha',
      '/wiki/delta/x',
    ];
    const run = await recordCleaned(mode, { maxValuesPerPathPosition: 2 }, (tracer) => {
      for (const path of paths) {
        tracer
          .startSpan(path, {
            kind: SpanKind.SERVER,
            attributes: { 'http.request.method': 'GET', 'url.path': path },
          })
          .end();
      }
    });
    expect(run.spans.map((s) => s.attributes[URL_TEMPLATE_KEY])).toEqual([
      '/wiki/alpha',
      '/wiki/beta',
      '/wiki/{id}/x',
      '/wiki/{id}/x',
      '/wiki/alpha',
      '/wiki/{id}/x',
    ]);
    expect(run.stats.fixes['path.guarded']).toBe(3);
    expect(run.stats.fixes['path.templated']).toBe(6);
  });

  it('templating can be switched off', async () => {
    const run = await recordCleaned(mode, { templatePaths: false }, (tracer) => {
      tracer
        .startSpan('GET', {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': 'GET', 'url.path': '/a/1' },
        })
        .end();
    });
    expect(run.spans[0]?.attributes[URL_TEMPLATE_KEY]).toBeUndefined();
  });
});
