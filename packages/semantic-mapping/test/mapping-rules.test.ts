import { readFileSync } from 'node:fs';
import { type Attributes, SpanKind } from '@opentelemetry/api';
import { mapSpan } from '@tracepoint/semantic-mapping';
import {
  type MappingRule,
  METHOD_RULES,
  renderMappingRulesTable,
  TARGET_COMPONENT_RULES,
} from '@tracepoint/semantic-mapping/internal';
import { InMemorySpanExporter, simpleSpanProcessor, TracerProvider } from '@tracepoint-internal/otel-line';
import { afterAll, describe, expect, it } from 'vitest';

// The rule rows drive the code (resolve), the README (rendered table) and
// these tests (their examples, stable and old), on spans from the real SDK.

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [simpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('rules-test');
afterAll(() => provider.shutdown());

function finished(kind: SpanKind, attributes: Attributes, name = 'span-name') {
  exporter.reset();
  tracer.startSpan(name, { kind, attributes }).end();
  const [span] = exporter.getFinishedSpans();
  if (span === undefined) throw new Error('no span');
  return span;
}

function callOf(kind: SpanKind, attributes: Attributes) {
  const [call] = mapSpan(finished(kind, attributes));
  if (call === undefined) throw new Error('no call point');
  return call;
}

const cases = (rules: readonly MappingRule[]) =>
  rules.flatMap((rule) =>
    rule.examples.flatMap((example, i) => [
      { label: `${rule.name} #${i + 1} stable`, attributes: example.stable, expected: example.expected },
      ...(example.old
        ? [{ label: `${rule.name} #${i + 1} old`, attributes: example.old, expected: example.expected }]
        : []),
    ]),
  );

describe('target component rules (client spans)', () => {
  it.each(cases(TARGET_COMPONENT_RULES))('$label -> $expected', ({ attributes, expected }) => {
    expect(callOf(SpanKind.CLIENT, attributes).targetComponent).toBe(expected);
    expect(callOf(SpanKind.PRODUCER, attributes).targetComponent).toBe(expected);
  });

  it('takes the first rule that matches, in table order', () => {
    const all: Attributes = Object.assign(
      {},
      ...TARGET_COMPONENT_RULES.map((rule) => rule.examples[0]?.stable),
    );
    for (let i = 0; i < TARGET_COMPONENT_RULES.length; i++) {
      const attributes: Attributes = Object.assign(
        {},
        ...TARGET_COMPONENT_RULES.slice(i).map((rule) => rule.examples[0]?.stable),
      );
      // Drop what earlier rules read, so rule i is the first that can match.
      for (const rule of TARGET_COMPONENT_RULES.slice(0, i)) {
        for (const names of rule.reads) for (const name of names) delete attributes[name];
      }
      const expected = TARGET_COMPONENT_RULES[i]?.resolve(attributes);
      expect(callOf(SpanKind.CLIENT, attributes).targetComponent).toBe(expected);
    }
    expect(callOf(SpanKind.CLIENT, all).targetComponent).toBe(
      TARGET_COMPONENT_RULES[0]?.examples[0]?.expected,
    );
  });

  it('is unknown when nothing names the peer', () => {
    expect(callOf(SpanKind.CLIENT, { 'http.request.method': 'GET' }).targetComponent).toBe('unknown');
  });

  it('server, consumer and internal spans target their own service', () => {
    const attributes = { 'server.address': 'orders.internal', 'peer.service': 'x' };
    const resourceless = mapSpan(finished(SpanKind.SERVER, attributes), { serviceName: 'orders' });
    expect(resourceless[0]?.targetComponent).toBe('orders');
    expect(
      mapSpan(finished(SpanKind.CONSUMER, attributes), { serviceName: 'orders' })[0]?.targetComponent,
    ).toBe('orders');
  });
});

describe('method rules (the called method)', () => {
  it.each(cases(METHOD_RULES))('$label -> $expected', ({ attributes, expected }) => {
    expect(callOf(SpanKind.CLIENT, attributes).targetMethod).toBe(expected);
    expect(callOf(SpanKind.SERVER, attributes).targetMethod).toBe(expected);
  });

  it('falls back to the span name', () => {
    expect(mapSpan(finished(SpanKind.SERVER, { foo: 'bar' }, 'handle-job'))[0]?.targetMethod).toBe(
      'handle-job',
    );
  });

  it('templates ids in paths, never a raw path with ids', () => {
    const paths: Array<[string, string]> = [
      ['/users/123', '/users/{id}'],
      ['/users/123/orders/9?x=1#top', '/users/{id}/orders/{id}'],
      ['/files/0f3c9a2b7d1e4f56', '/files/{id}'],
      ['/u/alice@example.com/x', '/u/{id}/x'],
      ['/d/2026-11-24', '/d/{id}'],
      ['/t/eyJhbGciOiJIUzI1NiJ9abcdef1234', '/t/{id}'],
      ['/api/v2/health', '/api/v2/health'],
      ['/', '/'],
    ];
    for (const [path, template] of paths) {
      expect(callOf(SpanKind.SERVER, { 'http.request.method': 'GET', 'url.path': path }).targetMethod).toBe(
        `GET ${template}`,
      );
    }
  });
});

describe('README mapping table', () => {
  it('is the table the code runs', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = /<!-- mapping-rules:start -->\n([\s\S]*?)\n<!-- mapping-rules:end -->/.exec(readme);
    expect(section, 'README must hold the mapping-rules markers').not.toBeNull();
    // Biome pads Markdown table cells; compare cell contents.
    const cells = (table: string) =>
      table
        .trim()
        .split('\n')
        .map((line) =>
          line
            .split('|')
            .map((cell) => cell.trim())
            .map((cell) => (/^-+$/.test(cell) ? '---' : cell))
            .join('|'),
        );
    expect(cells(section?.[1] ?? '')).toEqual(cells(renderMappingRulesTable()));
  });
});
