#!/usr/bin/env node
// Builds the package in the current directory twice from the same sources:
// dist/esm (ES modules) and dist/cjs (CommonJS), each with its own .d.ts and a
// package.json marker so Node and TypeScript read each folder in the right module system.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const cwd = process.cwd();
rmSync(join(cwd, 'dist'), { recursive: true, force: true });

const builds = [
  { dir: 'esm', type: 'module', args: ['--module', 'nodenext', '--moduleResolution', 'nodenext'] },
  { dir: 'cjs', type: 'commonjs', args: ['--module', 'commonjs', '--moduleResolution', 'bundler'] },
];
for (const build of builds) {
  const outDir = join(cwd, 'dist', build.dir);
  mkdirSync(outDir, { recursive: true });
  // Without the marker, Node would read dist/cjs as ESM because the package itself is "type": "module".
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: build.type })}\n`);
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, ...build.args], {
    cwd,
    stdio: 'inherit',
  });
}
