import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Which OpenTelemetry JS line this run tests: 2 (Node 20) or 3 (Node >= 22.15). Set by legs/otel*/package.json.
const line = process.env.TRACEPOINT_OTEL_LINE ?? '2';
if (line !== '2' && line !== '3') throw new Error(`TRACEPOINT_OTEL_LINE must be 2 or 3, got ${line}`);
// The engine and the SDK both run in UTC in tests; workers inherit this.
process.env.TZ = 'UTC';

const root = import.meta.dirname;
const legDir = resolve(root, `legs/otel${line}`);
const fromLeg = createRequire(join(legDir, 'package.json'));
const packages = [
  'core',
  'semantic-mapping',
  'processor-cleaner',
  'processor-aggregator',
  'exporter-clickhouse',
  'clickhouse-local',
  'node',
];
// The packages with an unstable `./internal` subpath export (src/internal.ts).
const withInternal = [
  'semantic-mapping',
  'processor-cleaner',
  'processor-aggregator',
  'exporter-clickhouse',
  'node',
];

console.log(`tracepoint tests: OpenTelemetry JS ${line}.x on Node ${process.versions.node}`);

export default defineConfig({
  resolve: {
    alias: [
      { find: '@tracepoint-internal/otel-line', replacement: join(legDir, 'src/index.ts') },
      // One @opentelemetry/api for the run: the one the SDK line under test peers with.
      { find: /^@opentelemetry\/api$/, replacement: fromLeg.resolve('@opentelemetry/api') },
      // The ./internal subpath exports: the package patterns below match bare package names only.
      ...withInternal.map((name) => ({
        find: new RegExp(`^@tracepoint/${name}/internal$`),
        replacement: join(root, `packages/${name}/src/internal.ts`),
      })),
      ...packages.map((name) => ({
        find: new RegExp(`^@tracepoint/${name}$`),
        replacement: join(root, `packages/${name}/src/index.ts`),
      })),
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    env: { TZ: 'UTC', TRACEPOINT_OTEL_LINE: line },
  },
});
