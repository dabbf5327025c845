import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { pathPatternsFromText } from '@tracepoint/processor-cleaner';
import { URL_TEMPLATE_KEY } from '@tracepoint/processor-cleaner/internal';
import {
  mapSpan,
  PATH_SEGMENT_RULES,
  renderPathSegmentRulesTable,
  templatePath,
} from '@tracepoint/semantic-mapping';
import { HttpInstrumentation, legRequire } from '@tracepoint-internal/otel-line';
import { describe, expect, it } from 'vitest';
import { MODES, recordCleaned } from './cleaned-spans.js';

// One instance for the file, enabled once; each run points it at its own provider.
const httpInstrumentation = new HttpInstrumentation();

const examples = PATH_SEGMENT_RULES.flatMap((rule) =>
  rule.examples.map((example) => ({ rule: rule.name, ...example })),
);

describe.each(MODES)('built-in path rules (%s)', (mode) => {
  it.each(examples)(
    '$rule: $path -> $expected, in the cleaner and the mapping alike',
    async ({ path, expected }) => {
      const run = await recordCleaned(mode, {}, (tracer) => {
        tracer
          .startSpan('GET', {
            kind: SpanKind.SERVER,
            attributes: { 'http.request.method': 'GET', 'url.path': path },
          })
          .end();
      });
      const span = run.spans[0];
      expect(span?.attributes[URL_TEMPLATE_KEY]).toBe(expected);
      expect(span?.name).toBe(`GET ${expected}`);
      expect(mapSpan(span as never)[0]?.targetMethod).toBe(`GET ${expected}`);
      // The mapping's own fallback (a span the cleaner did not see) applies the same rules.
      expect(templatePath(path)).toBe(expected);
    },
  );

  it('keeps static segments of registry APIs as they are', async () => {
    const paths = ['/-/package/tp-demo-a/dist-tags', '/api/v1/users', '/-/v1/search', '/-/whoami'];
    const run = await recordCleaned(mode, {}, (tracer) => {
      for (const path of paths) {
        tracer
          .startSpan('GET', {
            kind: SpanKind.SERVER,
            attributes: { 'http.request.method': 'GET', 'url.path': path },
          })
          .end();
      }
    });
    expect(run.spans.map((s) => s.attributes[URL_TEMPLATE_KEY])).toEqual(paths);
  });

  it('a template given as a string is its own match, tried before the built-in rules', async () => {
    const paths = [
      '/-/package/tp-demo-a/dist-tags/beta',
      '/-/package/@acme%2fwidget/dist-tags/next',
      '/-/package/tp-demo-a/dist-tags',
      '/files/report-7.pdf',
      '/tp-demo-a/-/tp-demo-a-1.2.0.tgz',
    ];
    const run = await recordCleaned(
      mode,
      { pathPatterns: ['/-/package/{name}/dist-tags/{tag}', '/files/{file}.pdf'] },
      (tracer) => {
        for (const path of paths) {
          tracer
            .startSpan('PUT', {
              kind: SpanKind.SERVER,
              attributes: { 'http.request.method': 'PUT', 'url.path': path },
            })
            .end();
        }
      },
    );
    expect(run.spans.map((s) => s.name)).toEqual([
      'PUT /-/package/{name}/dist-tags/{tag}',
      'PUT /-/package/{name}/dist-tags/{tag}',
      'PUT /-/package/tp-demo-a/dist-tags',
      'PUT /files/{file}.pdf',
      'PUT /{name}/-/{name}-{version}.tgz',
    ]);
  });

  it('the guard does not count the segments a rule templated', async () => {
    // One literal allowed per position: `/{name}/-/…` and `/@{scope}/{name}` take none of it.
    const paths = ['/a/-/a-1.0.0.tgz', '/b/-/b-1.0.1.tgz', '/@s/x', '/@t/y', '/first', '/second'];
    const run = await recordCleaned(mode, { maxValuesPerPathPosition: 1 }, (tracer) => {
      for (const path of paths) {
        tracer
          .startSpan('GET', {
            kind: SpanKind.SERVER,
            attributes: { 'http.request.method': 'GET', 'url.path': path },
          })
          .end();
      }
    });
    expect(run.spans.map((s) => s.attributes[URL_TEMPLATE_KEY])).toEqual([
      '/{name}/-/{name}-{version}.tgz',
      '/{name}/-/{name}-{version}.tgz',
      '/@{scope}/{name}',
      '/@{scope}/{name}',
      '/first',
      '/{id}',
    ]);
  });

  it('a route-less node:http server sent 2,000 distinct registry paths gives 4 span names', async () => {
    const run = await recordCleaned(
      mode,
      {},
      async () => {
        // Required after the instrumentation is registered, so it is patched.
        const http = legRequire('node:http') as typeof import('node:http');
        const server = http.createServer((req, res) => {
          req.resume();
          req.on('end', () => res.end('{}'));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const paths: string[] = [];
        for (let i = 0; i < 500; i++) {
          const version = `${1 + (i % 5)}.${Math.floor(i / 5) % 10}.${Math.floor(i / 50)}`;
          paths.push(`/tp-demo-a/-/tp-demo-a-${version}.tgz`);
          paths.push(`/@acme/widget/-/widget-${version}-rc.${i}.tgz`);
          paths.push(`/-/blobs/sha256:${(i * 2654435761).toString(16).padStart(16, '0')}`);
          paths.push(`/-/npm/v1/tokens/token/${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`);
        }
        for (const path of paths) await (await fetch(`${base}${path}`)).text();
        await new Promise((resolve) => server.close(resolve));
      },
      { instrumentations: [httpInstrumentation] },
    );
    const servers = run.spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(servers).toHaveLength(2000);
    expect([...new Set(servers.map((s) => s.name))].sort()).toEqual([
      'GET /-/blobs/{id}',
      'GET /-/npm/v1/tokens/token/{id}',
      'GET /@{scope}/{name}/-/{name}-{version}.tgz',
      'GET /{name}/-/{name}-{version}.tgz',
    ]);
  });
});

describe('path templates as text (TRACEPOINT_PATH_PATTERNS)', () => {
  it('reads comma-separated templates, blanks and empty items ignored', () => {
    const patterns = pathPatternsFromText(
      ' /-/package/{name}/dist-tags/{tag} ,, /{name}-{version}.tgz ',
      'VAR',
    );
    expect(patterns.map((p) => p.template)).toEqual([
      '/-/package/{name}/dist-tags/{tag}',
      '/{name}-{version}.tgz',
    ]);
    expect(patterns[0]?.match.test('/-/package/tp-demo-a/dist-tags/beta')).toBe(true);
    // A placeholder never spans a `/`.
    expect(patterns[0]?.match.test('/-/package/a/b/dist-tags/beta')).toBe(false);
    expect(patterns[1]?.match.test('/tp-demo-a-1.2.0.tgz')).toBe(true);
    expect(patterns[1]?.match.test('/x.tgz')).toBe(false);
  });

  it.each([
    ['package/{name}', '"package/{name}" (item 1) must be a path starting with /'],
    ['/a, /b/{x', '"/b/{x" (item 2) has a { without its }'],
    ['/b/x}', '"/b/x}" (item 1) has a } without its {'],
    ['/b/{}', '"/b/{}" (item 1) has the placeholder {}: write a name such as {name}'],
    ['/b/{a}{b}', '"/b/{a}{b}" (item 1) has two placeholders in a row: nothing tells where one ends'],
    ['/search?q={q}', '"/search?q={q}" (item 1) must be a path without blanks, query, fragment or *'],
    ['/a/*', '"/a/*" (item 1) must be a path without blanks, query, fragment or *'],
  ])('%j is refused with a message naming the variable and the item', (text, message) => {
    expect(() => pathPatternsFromText(text, 'TRACEPOINT_PATH_PATTERNS')).toThrow(
      `TRACEPOINT_PATH_PATTERNS: ${message}`,
    );
  });

  it('a bad template in pathPatterns names the option', async () => {
    await expect(recordCleaned('in place', { pathPatterns: ['/a', 'b/{c}'] }, () => {})).rejects.toThrow(
      'option pathPatterns[1] "b/{c}" must be a path starting with /',
    );
  });
});

describe('README', () => {
  it('holds the built-in path rules table as the code renders it', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = /<!-- path-segment-rules:start -->\n([\s\S]*?)\n<!-- path-segment-rules:end -->/.exec(
      readme,
    );
    expect(section, 'README must hold the path-segment-rules markers').not.toBeNull();
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
    expect(cells(section?.[1] ?? '')).toEqual(cells(renderPathSegmentRulesTable()));
  });
});
