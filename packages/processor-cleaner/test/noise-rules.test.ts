import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { DropRule } from '@tracepoint/processor-cleaner';
import { HttpInstrumentation, legRequire, type ReadableSpan } from '@tracepoint-internal/otel-line';
import { describe, expect, it } from 'vitest';
import { type CleanerMode, MODES, recordCleaned } from './cleaned-spans.js';

/** Every exported span's parent is exported too (or it is a root): the tree has no holes. */
function expectWellFormed(spans: readonly ReadableSpan[]): void {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    if (parent !== undefined && !span.parentSpanContext?.isRemote) {
      expect(ids.has(parent), `parent of ${span.name}`).toBe(true);
    }
  }
}

/** A node:http server, required after the instrumentation is registered so it is patched. */
async function serve(handler: (path: string, tracer: Tracer) => void): Promise<Server> {
  const http = legRequire('node:http') as typeof import('node:http');
  const server = http.createServer((req, res) => {
    handler(req.url ?? '/', trace.getTracer('app'));
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

// One instance for the file, enabled once; each run points it at its own provider.
const httpInstrumentation = new HttpInstrumentation();

describe.each(MODES)('noise rules on real HTTP traffic (%s)', (mode: CleanerMode) => {
  it('drops probes and static assets with their local subtrees, keeps the API call', async () => {
    let server: Server | undefined;
    const run = await recordCleaned(
      mode,
      {},
      async () => {
        server = await serve((path, tracer) => {
          // Work done while answering: a child of the server span.
          tracer.startSpan(`handle ${path}`).end();
        });
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        for (const path of [
          '/healthz',
          '/readyz?full=1',
          '/static/app.3f9a8c7e.css',
          '/favicon.ico',
          '/api/orders/42',
        ]) {
          await (await fetch(`${base}${path}`)).text();
        }
        await (await fetch(`${base}/api/status`, { headers: { 'user-agent': 'kube-probe/1.31' } })).text();
      },
      { instrumentations: [httpInstrumentation] },
    );
    await new Promise((resolve) => server?.close(resolve));
    const names = run.spans.map((s) => s.name).sort();
    // The verb-only server span name is completed from the templated path.
    expect(names).toEqual(['GET /api/orders/{id}', 'handle /api/orders/42']);
    expect(run.spans.find((s) => s.name.startsWith('GET'))?.kind).toBe(SpanKind.SERVER);
    expect(run.stats.dropped).toEqual({ healthCheck: 6, staticAsset: 4 });
    expectWellFormed(run.spans);
  });

  it('built-in rules can be switched off', async () => {
    const run = await recordCleaned(mode, { dropHealthChecks: false, dropStaticAssets: false }, (tracer) => {
      tracer.startSpan('probe', { kind: SpanKind.SERVER, attributes: { 'url.path': '/healthz' } }).end();
      tracer.startSpan('asset', { kind: SpanKind.SERVER, attributes: { 'url.path': '/app.js' } }).end();
    });
    expect(run.spans).toHaveLength(2);
  });
});

interface RuleCase {
  label: string;
  rule: DropRule;
  drive: (tracer: Tracer) => void;
  kept: string[];
}

const ruleCases: RuleCase[] = [
  {
    label: 'span name glob',
    rule: { name: 'middleware', spanName: 'middleware - *' },
    drive: (t) => {
      t.startSpan('middleware - query').end();
      t.startSpan('request handler').end();
    },
    kept: ['request handler'],
  },
  {
    label: 'span name RegExp and kind',
    rule: { name: 'dns', spanName: /^dns\./, kind: 'client' },
    drive: (t) => {
      t.startSpan('dns.lookup', { kind: SpanKind.CLIENT }).end();
      t.startSpan('dns.lookup internal', { kind: SpanKind.INTERNAL }).end();
    },
    kept: ['dns.lookup internal'],
  },
  {
    label: 'path glob',
    rule: { name: 'internal api', path: '/internal/**' },
    drive: (t) => {
      t.startSpan('a', { kind: SpanKind.SERVER, attributes: { 'url.path': '/internal/debug/vars' } }).end();
      t.startSpan('b', { kind: SpanKind.SERVER, attributes: { 'http.target': '/internal?x=1' } }).end();
      t.startSpan('c', { kind: SpanKind.CLIENT, attributes: { 'url.full': 'http://x/internal/y' } }).end();
      t.startSpan('d', { kind: SpanKind.SERVER, attributes: { 'url.path': '/public/internal/x' } }).end();
    },
    kept: ['b', 'd'],
  },
  {
    label: 'attribute values',
    rule: { name: 'redis ping', attributes: { 'db.system': 'redis', 'db.operation': /^ping$/i } },
    drive: (t) => {
      t.startSpan('ping', { attributes: { 'db.system': 'redis', 'db.operation': 'PING' } }).end();
      t.startSpan('get', { attributes: { 'db.system': 'redis', 'db.operation': 'GET' } }).end();
    },
    kept: ['get'],
  },
  {
    label: 'route (known at end only)',
    rule: { name: 'metrics route', route: '/metrics/*' },
    drive: (t) => {
      const span = t.startSpan('GET', { kind: SpanKind.SERVER });
      span.setAttribute('http.route', '/metrics/:name');
      span.end();
      t.startSpan('other', { kind: SpanKind.SERVER }).end();
    },
    kept: ['other'],
  },
  {
    label: 'fast successful internal spans',
    rule: { name: 'fast', kind: 'internal', maxDurationMillis: 1, status: 'unset' },
    drive: (t) => {
      const now = Date.now();
      t.startSpan('fast', { startTime: now }).end(now + 0.5);
      t.startSpan('slow', { startTime: now }).end(now + 50);
      const failed = t.startSpan('fast error', { startTime: now });
      failed.setStatus({ code: SpanStatusCode.ERROR });
      failed.end(now + 0.5);
    },
    kept: ['slow', 'fast error'],
  },
];

describe.each(MODES)('drop rules (%s)', (mode) => {
  it.each(ruleCases)('$label', async ({ rule, drive, kept }) => {
    const run = await recordCleaned(mode, { dropRules: [rule] }, drive);
    expect(run.spans.map((s) => s.name).sort()).toEqual([...kept].sort());
    expect(Object.keys(run.stats.dropped)).toEqual([rule.name]);
  });

  it('a start match drops the whole local subtree, also spans started after the parent ended', async () => {
    const run = await recordCleaned(
      mode,
      { dropRules: [{ name: 'batch', spanName: 'batch job' }] },
      (tracer) => {
        tracer.startActiveSpan('root', (root: Span) => {
          tracer.startActiveSpan('batch job', (job: Span) => {
            tracer.startActiveSpan('step', (step: Span) => {
              tracer.startSpan('query').end();
              step.end();
            });
            job.end();
            // Async work that outlives the job span still belongs to it.
            tracer.startSpan('late write', {}, trace.setSpan(context.active(), job)).end();
          });
          tracer.startSpan('sibling').end();
          root.end();
        });
      },
    );
    expect(run.spans.map((s) => s.name).sort()).toEqual(['root', 'sibling']);
    // In place, the job's context is unsampled once it is dropped, so the SDK does not even record 'late write'.
    expect(run.stats.dropped).toEqual({ batch: mode === 'in place' ? 3 : 4 });
    expectWellFormed(run.spans);
  });

  it('the orphan case: an end match on a parent with a kept child keeps the parent, so the tree stays whole', async () => {
    const rule: DropRule = { name: 'quick', maxDurationMillis: 60_000 };
    const run = await recordCleaned(mode, { dropRules: [rule] }, (tracer) => {
      const now = Date.now();
      tracer.startActiveSpan('root', { startTime: now - 120_000 }, (root: Span) => {
        tracer.startActiveSpan('parent', { startTime: now - 100 }, (parent: Span) => {
          // The kept child: it runs longer than the rule's limit.
          tracer.startSpan('slow child', { startTime: now - 90_000 }).end(now);
          tracer.startSpan('quick child', { startTime: now - 50 }).end(now);
          parent.end(now);
        });
        root.end(now);
      });
    });
    expect(run.spans.map((s) => s.name).sort()).toEqual(['parent', 'root', 'slow child']);
    expect(run.stats.dropped).toEqual({ quick: 1 });
    expect(run.stats.keptForChildren).toEqual({ quick: 1 });
    expectWellFormed(run.spans);
  });

  it('an end match drops a parent whose children were all dropped', async () => {
    const run = await recordCleaned(
      mode,
      { dropRules: [{ name: 'quick', maxDurationMillis: 1_000 }] },
      (tracer) => {
        tracer.startActiveSpan('parent', (parent: Span) => {
          tracer.startSpan('child').end();
          parent.end();
        });
      },
    );
    expect(run.spans).toEqual([]);
    expect(run.stats.dropped).toEqual({ quick: 2 });
  });

  it('random trees under random rules always export whole trees', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const rules: DropRule[] = [
      { name: 'start', spanName: 'drop-at-start *' },
      { name: 'end', spanName: 'drop-at-end *', maxDurationMillis: 60_000 },
    ];
    let total = 0;
    const run = await recordCleaned(mode, { dropRules: rules }, (tracer) => {
      const grow = (depth: number) => {
        const roll = random();
        const label = roll < 0.15 ? 'drop-at-start' : roll < 0.5 ? 'drop-at-end' : 'keep';
        total++;
        tracer.startActiveSpan(`${label} ${total}`, (span: Span) => {
          const children = depth < 5 ? Math.floor(random() * 3) : 0;
          for (let i = 0; i < children; i++) grow(depth + 1);
          span.end();
        });
      };
      for (let i = 0; i < 30; i++) grow(0);
    });
    const dropped = Object.values(run.stats.dropped).reduce((a, b) => a + b, 0);
    expect(run.spans.length + dropped).toBe(total);
    expect(dropped).toBeGreaterThan(10);
    expect(run.spans.length).toBeGreaterThan(10);
    expect(run.stats.keptForChildren.end).toBeGreaterThan(0);
    expectWellFormed(run.spans);
  });
});
