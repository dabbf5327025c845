import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module without declarations
import { BENCHMARKS } from '../run.mjs';

interface BenchResult {
  id: string;
  title: string;
  markdown: string;
  raw: unknown;
  targets: { name: string; target: number; measured: number; met: boolean }[];
}

// The benchmarks carry their own OpenTelemetry 2.x dependencies (bench/package.json), so one
// leg is enough to keep them from rotting; the 3.x leg reports them as skipped.
const line = process.env.TRACEPOINT_OTEL_LINE ?? '2';

describe.skipIf(line !== '2')('benchmarks at smoke size', () => {
  it.each(BENCHMARKS as { id: string; module: string }[])(
    '$id runs and reports a table and its targets',
    async ({ id, module }) => {
      const { run } = (await import(`../${module.slice(2)}`)) as {
        run: (options: { size: string }) => Promise<BenchResult>;
      };
      const result = await run({ size: 'smoke' });
      expect(result.id).toBe(id);
      expect(result.markdown).toMatch(/\n\|.*\|\n\| *-+/);
      expect(result.targets.length).toBeGreaterThan(0);
      for (const target of result.targets) {
        expect(typeof target.met).toBe('boolean');
        // +Infinity is a measured "no baseline to compare with" (the OTLP exporter's extra over the
        // floor at or below zero in a noisy smoke round), and then never met; NaN or -Infinity is a bug.
        if (target.measured === Number.POSITIVE_INFINITY) expect(target.met, target.name).toBe(false);
        else expect(Number.isFinite(target.measured), target.name).toBe(true);
      }
    },
    480_000,
  );
});
