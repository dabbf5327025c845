import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type LocalHttpServer, startLocalHttpServer } from '@tracepoint/clickhouse-local';
import { DASHBOARDS } from '@tracepoint/node';
import { renderDashboardHtml, runCli } from '@tracepoint/node/internal';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../../../test-support/child-process.js';
import { ensureChromium } from '../../../test-support/chromium.js';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { waterfallSpans } from '../src/trace-waterfall-svg.js';

// The page `tracepoint dashboard --html` writes, from the shop demo's real traffic (three traced services
// and PostgreSQL, README command 1, run here for a few seconds), opened in headless Chromium and measured
// there: the layout is what a reader sees, not what the HTML says.
const repoRoot = resolve(import.meta.dirname, '../../..');
const dataDir = tempDataDir('dashboard-page');
const page = join(dataDir.path, 'dashboard.html');
// Kept after the run (the store is removed): the test prints where.
const screenshots = tempDataDir('dashboard-page-screenshots').path;
const line = process.env.TRACEPOINT_OTEL_LINE ?? '2';
const startedAt = Date.now() - 60_000;
const SECTIONS = ['service-map', 'endpoints-red', 'latency-over-time', 'errors', 'trace-waterfall'];

type Row = Record<string, unknown>;
let server: LocalHttpServer;
let browser: Browser;
let view: Page;
let failingTrace = '';
let serviceMapRows: Row[] = [];
let waterfallRows: Row[] = [];

const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

beforeAll(async () => {
  await runNode(join(repoRoot, 'examples/shop/demo.mjs'), {
    SHOP_LOAD_SECONDS: '10',
    TRACEPOINT_DATA_DIR: dataDir.path,
    SHOP_PAGE: join(dataDir.path, 'demo-page.html'),
  });
  // The demo stopped its store service; this process serves the directory to the command under test.
  server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  const from = time(startedAt);
  const to = time(Date.now() + 60_000);
  // ClickHouse's HTTP interface, query parameters as param_<name>.
  const query = async (sql: string, params: Record<string, string> = {}): Promise<Row[]> => {
    const url = new URL(server.url);
    url.searchParams.set('default_format', 'JSONEachRow');
    url.searchParams.set('param_from', from);
    url.searchParams.set('param_to', to);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(`param_${name}`, value);
    const response = await fetch(url, { method: 'POST', body: sql });
    const text = await response.text();
    if (!response.ok) throw new Error(text);
    return text
      .split('\n')
      .filter((row) => row !== '')
      .map((row) => JSON.parse(row) as Row);
  };
  // The failed request with the most failed spans: a checkout the payment step failed (every 12th), or a
  // lookup of the missing product; either way a waterfall with failed spans to mark.
  const [failing] = await query(
    "SELECT TraceId AS trace_id FROM otel_traces WHERE StatusCode = 'Error' GROUP BY TraceId ORDER BY count() DESC, TraceId LIMIT 1",
  );
  failingTrace = String(failing?.trace_id ?? '');
  expect(failingTrace).toMatch(/^[0-9a-f]{32}$/);
  serviceMapRows = await query(DASHBOARDS.find((d) => d.id === 'service-map')?.sql as string);
  waterfallRows = await query(DASHBOARDS.find((d) => d.id === 'trace-waterfall')?.sql as string, {
    trace_id: failingTrace,
  });
  const lines: string[] = [];
  const args = ['dashboard', '--url', server.url, '--from', from, '--to', to, '--trace-id', failingTrace];
  expect(await runCli([...args, '--html', page], (text) => lines.push(text))).toBe(0);
  browser = await chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  view = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await view.goto(pathToFileURL(page).href, { waitUntil: 'load' });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  dataDir.remove();
  console.log(`dashboard page screenshots (OTel ${line}.x): ${screenshots}`);
});

interface Box {
  label: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

describe('the dashboard page, as a person reads it (shop demo data, headless Chromium)', () => {
  it('saves a screenshot of each section', async () => {
    const ids = await view.$$eval('section', (sections) => sections.map((section) => section.id));
    expect(ids).toEqual(expect.arrayContaining(SECTIONS));
    for (const id of ids) {
      await view.locator(`section#${id}`).screenshot({ path: join(screenshots, `${id}-otel${line}.png`) });
    }
  });

  it('service map: no two label boxes overlap, every label lies inside the drawing, edge texts inside their boxes', async () => {
    const measured = await view.$eval('html', (html) => {
      const svg = html.querySelector('svg[aria-label="service map"]');
      if (svg === null) return undefined;
      const box = (element: typeof html, label: string) => {
        const r = element.getBoundingClientRect();
        return { label, left: r.left, top: r.top, right: r.right, bottom: r.bottom };
      };
      // A label is a node's or an edge's group (box and text) where the page groups them, else a text.
      const labels = [
        ...new Set([...svg.querySelectorAll('text')].map((text) => text.closest('g.map-label') ?? text)),
      ];
      const textInBox = [...svg.querySelectorAll('g.edge-label')].flatMap((group) => {
        const rect = group.querySelector('rect')!;
        return [...group.querySelectorAll('text')].map((text) => ({
          box: box(rect, group.textContent ?? ''),
          text: box(text, text.textContent ?? ''),
        }));
      });
      return {
        svg: box(svg, 'svg'),
        labels: labels.map((element) => box(element, (element.textContent ?? '').trim())),
        textInBox,
        names: [...svg.querySelectorAll('g.node text, text.name')].map((t) => t.textContent ?? ''),
      };
    });
    expect(measured, 'the service map is drawn').toBeDefined();
    const { svg, labels, textInBox, names } = measured as {
      svg: Box;
      labels: Box[];
      textInBox: { box: Box; text: Box }[];
      names: string[];
    };
    // Every edge of the demo's map has its label: one per edge, one per node.
    expect(labels.length).toBeGreaterThanOrEqual(serviceMapRows.length);
    const overlaps: string[] = [];
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i] as Box;
        const b = labels[j] as Box;
        const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (x > 0.5 && y > 0.5) overlaps.push(`"${a.label}" / "${b.label}"`);
      }
    }
    expect(overlaps).toEqual([]);
    const outside = labels.filter(
      (l) =>
        l.left < svg.left - 0.5 ||
        l.right > svg.right + 0.5 ||
        l.top < svg.top - 0.5 ||
        l.bottom > svg.bottom + 0.5,
    );
    expect(outside.map((l) => l.label)).toEqual([]);
    const spilled = textInBox.filter(
      ({ box, text }) =>
        text.left < box.left || text.right > box.right || text.top < box.top || text.bottom > box.bottom,
    );
    expect(spilled.map(({ text }) => text.label)).toEqual([]);
    // The demo's services are drawn; unnamed callers are a client, no node is a made-up `unknown`.
    expect(names).toEqual(expect.arrayContaining(['gateway', 'orders', 'inventory']));
    expect(names.some((name) => name.startsWith('client'))).toBe(true);
    expect(names.filter((name) => name === '' || name === 'unknown')).toEqual([]);
  });

  it('service map: edge labels read dark on light (WCAG AA contrast, 4.5:1) and state calls, failed share and p99', async () => {
    const labels = await view.$$eval('svg[aria-label="service map"] g.edge-label', (groups) => {
      const rgb = (colour: string) => (colour.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const luminance = (colour: string) => {
        const [r, g, b] = rgb(colour).map((v) => {
          const c = v / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        }) as [number, number, number];
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      return groups.map((group) => {
        const style = (element: typeof group) => group.ownerDocument.defaultView!.getComputedStyle(element);
        const background = luminance(style(group.querySelector('rect')!).fill);
        const ratios = [...group.querySelectorAll('text')].map((text) => {
          const foreground = luminance(style(text).fill);
          return (Math.max(foreground, background) + 0.05) / (Math.min(foreground, background) + 0.05);
        });
        return { text: group.textContent ?? '', contrast: Math.min(...ratios) };
      });
    });
    expect(labels.length).toBe(serviceMapRows.length);
    for (const label of labels) {
      expect(label.contrast, label.text).toBeGreaterThanOrEqual(4.5);
      expect(label.text).toMatch(/\d+ calls?[\s\S]*(no errors|[\d.<]+% failed)[\s\S]*p99 [\d.]+ (ms|s)/);
    }
    // The failing edge says so.
    expect(labels.some((label) => /% failed/.test(label.text))).toBe(true);
  });

  it('waterfall: one bar per span in tree order, on the time axis at its offset, failed spans marked', async () => {
    const drawn = await view.$eval('html', (html) => {
      const svg = html.querySelector('svg[aria-label^="trace waterfall"]');
      if (svg === null) return undefined;
      const axis = svg.querySelector('g.time-axis')!;
      const line = axis.querySelector('line.axis-line')!.getBoundingClientRect();
      const rows = [...html.querySelectorAll('section#trace-waterfall table tbody tr')].map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
      );
      const header = [...html.querySelectorAll('section#trace-waterfall table thead th')].map(
        (th) => th.textContent ?? '',
      );
      return {
        axis: { left: line.left, right: line.right, endMs: Number(axis.getAttribute('data-end-ms')) },
        bars: [...svg.querySelectorAll('rect.span-bar')].map((bar) => {
          const r = bar.getBoundingClientRect();
          const row = bar.closest('g.span-row')!;
          return {
            left: r.left,
            right: r.right,
            top: r.top,
            offsetMs: Number(bar.getAttribute('data-offset-ms')),
            durationMs: Number(bar.getAttribute('data-duration-ms')),
            depth: Number(row.getAttribute('data-depth')),
            error: bar.classList.contains('error'),
            name: row.querySelector('text.span-name')?.textContent ?? '',
          };
        }),
        statuses: rows.map((row) => row[header.indexOf('status')]),
      };
    });
    expect(drawn, 'the waterfall is drawn as bars').toBeDefined();
    const { axis, bars, statuses } = drawn as NonNullable<typeof drawn>;
    expect(bars.length).toBe(statuses.length);
    expect(bars.length).toBeGreaterThan(3);
    const scale = (axis.right - axis.left) / axis.endMs;
    bars.forEach((bar, i) => {
      const previous = bars[i - 1];
      if (previous !== undefined) {
        expect(bar.top, bar.name).toBeGreaterThan(previous.top);
        // Tree order: a span comes after its parent, one level deeper at most.
        expect(bar.depth, bar.name).toBeLessThanOrEqual(previous.depth + 1);
      } else expect(bar.depth).toBe(0);
      expect(bar.left, bar.name).toBeGreaterThanOrEqual(axis.left - 0.5);
      expect(bar.right, bar.name).toBeLessThanOrEqual(axis.right + 0.5);
      expect(Math.abs(bar.left - axis.left - bar.offsetMs * scale), bar.name).toBeLessThanOrEqual(1);
      expect(
        Math.abs(bar.right - bar.left - Math.max(1, bar.durationMs * scale)),
        bar.name,
      ).toBeLessThanOrEqual(1.5);
    });
    // The root starts the trace; the failed checkout has failed spans, each of them marked.
    expect(bars[0]?.offsetMs).toBe(0);
    expect(bars.map((bar) => bar.error)).toEqual(statuses.map((status) => status === 'Error'));
    expect(bars.some((bar) => bar.error)).toBe(true);
  });

  it('each panel says what it answers in words for an operator, not in SQL', async () => {
    const texts = await view.$$eval('section', (sections) =>
      sections.map((section) => ({
        id: section.id,
        about: [...section.querySelectorAll(':scope > p')].map((p) => p.textContent ?? '').join(' '),
      })),
    );
    expect(texts.map((t) => t.id)).toEqual(expect.arrayContaining(SECTIONS));
    for (const { id, about } of texts) {
      expect(about.length, id).toBeGreaterThan(60);
      expect(about, id).not.toMatch(/ARRAY JOIN|sumMap|stat_type|ParentSpanId|otel_traces|trace_point_stats/);
    }
  });
});

describe('callers without a name', () => {
  it('are drawn as `client`, never as a service named `unknown` or an empty box', () => {
    const rows = serviceMapRows.map((row, i) => ({
      ...row,
      source_component: i === 0 ? 'unknown' : i === 1 ? '' : row.source_component,
    }));
    const html = renderDashboardHtml(new Map([['service-map', rows]]), 'test');
    writeFileSync(join(screenshots, 'unnamed-callers.html'), html);
    const names = [...html.matchAll(/<g class="map-label node [^"]*" data-node="([^"]*)"/g)].map((m) => m[1]);
    expect(names).toContain('client');
    expect(names).not.toContain('unknown');
    expect(names).not.toContain('');
  });
});

describe('the waterfall drawing', () => {
  it("reads the query's rows (span and parent ids) and the command's indented tree alike", async () => {
    const fromQuery = waterfallSpans(waterfallRows);
    // The page drew what `tracepoint dashboard` hands it: its indented tree of the same trace.
    const drawn = await view.$$eval('section#trace-waterfall g.span-row', (rows) =>
      rows.map((row) => ({
        depth: Number(row.getAttribute('data-depth')),
        offset: Number(row.querySelector('rect.span-bar')?.getAttribute('data-offset-ms')),
      })),
    );
    expect(fromQuery.length).toBe(waterfallRows.length);
    // As sets: spans that start in the same millisecond may come in either order from two queries.
    const sorted = (list: readonly { depth: number; offset: number }[]) =>
      list.map((item) => `${item.offset}/${item.depth}`).sort();
    expect(sorted(fromQuery.map((s) => ({ depth: s.depth, offset: s.offsetMs })))).toEqual(sorted(drawn));
    expect(fromQuery.filter((s) => s.error).length).toBe(
      waterfallRows.filter((row) => row.status === 'Error').length,
    );
  });
});
