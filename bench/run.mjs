// pnpm bench [--size full|smoke] [--only id,id]
// Runs the benchmarks one after another (never two at once: they share 2 cores), writes the
// results table to BENCHMARKS.md (full size) and each benchmark's raw numbers to
// bench/results/<id>.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const BENCHMARKS = [
  { id: 'app-overhead', module: './app-overhead.mjs' },
  { id: 'pipeline-throughput', module: './pipeline-throughput.mjs' },
  { id: 'storage', module: './storage.mjs' },
  { id: 'storage-variants', module: './storage-variants.mjs' },
  { id: 'dashboard-reads', module: './dashboard-reads.mjs' },
  { id: 'insert-shape', module: './insert-shape.mjs' },
  { id: 'insert-format', module: './insert-format.mjs' },
  { id: 'faults', module: './faults.mjs' },
];

const here = import.meta.dirname;
const repoRoot = resolve(here, '..');

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

export async function runBenchmarks({ size, only }) {
  const results = [];
  for (const bench of BENCHMARKS) {
    if (only && !only.includes(bench.id)) continue;
    const { run } = await import(bench.module);
    const started = Date.now();
    console.error(`bench: ${bench.id} (${size})...`);
    const result = await run({ size });
    result.seconds = Math.round((Date.now() - started) / 1000);
    results.push(result);
  }
  return results;
}

function targetLine(target) {
  const unit = target.unit ?? '';
  return `| ${target.name} | ${target.target}${unit} | ${target.measured}${unit} | ${target.met ? 'met' : '**missed**'} |`;
}

export function renderReport(results, { size, command, date }) {
  const m = machine();
  const targets = results.flatMap((r) => r.targets.map((t) => ({ ...t, bench: r.title })));
  return `# Benchmarks

Measured ${date} with \`${command}\` (size ${size}) on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}.
Goals are ratios measured in the same run: this machine is shared and noisy, so absolute numbers move
between runs. Raw numbers are in [\`bench/results/\`](bench/results/). How to run: [\`bench/README.md\`](bench/README.md).

## Targets

| target | goal | measured | |
| --- | ---: | ---: | --- |
${targets.map(targetLine).join('\n')}

${results.map((r) => `## ${r.title}\n\n${r.markdown.trim()}\n\n(${r.seconds} s)`).join('\n\n')}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { size: { type: 'string', default: 'full' }, only: { type: 'string' } },
  });
  const size = values.size;
  if (size !== 'full' && size !== 'smoke') throw new Error(`--size must be full or smoke, got ${size}`);
  const only = values.only?.split(',').map((id) => id.trim());
  const results = await runBenchmarks({ size, only });
  // Only a full run of everything replaces the committed numbers; anything else goes to
  // bench/results/partial/ (ignored by git).
  const complete = size === 'full' && only === undefined;
  const resultsDir = complete ? join(here, 'results') : join(here, 'results', 'partial');
  mkdirSync(resultsDir, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  for (const result of results) {
    writeFileSync(
      join(resultsDir, `${result.id}.json`),
      `${JSON.stringify({ date, size, machine: machine(), ...result.raw, targets: result.targets }, null, 2)}\n`,
    );
  }
  const command = `npx -y pnpm@10.34.8 bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  const report = renderReport(results, { size, command, date });
  const out = complete ? join(repoRoot, 'BENCHMARKS.md') : join(resultsDir, 'partial.md');
  writeFileSync(out, report);
  // Formatted as `pnpm lint` checks it, so a fresh run's tables need no hand edit before a commit.
  const biome = join(repoRoot, 'node_modules', '.bin', 'biome');
  const formatted = spawnSync(biome, ['format', '--write', out], { encoding: 'utf8' });
  if (formatted.status !== 0) console.error(`bench: could not format ${out}: ${formatted.stderr}`);
  console.log(report);
  console.error(`bench: wrote ${out} and ${resultsDir}/*.json`);
}
