import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test-support/data-dir.js';

const root = resolve(import.meta.dirname, '../..');
const packages = readdirSync(join(root, 'packages'));
const consumer = tempDataDir('consumer');
afterAll(() => consumer.remove());

// A consumer project that sees the packages only by name, through their package.json "exports".
mkdirSync(join(consumer.path, 'node_modules/@tracepoint'), { recursive: true });
for (const name of packages) {
  symlinkSync(join(root, 'packages', name), join(consumer.path, 'node_modules/@tracepoint', name), 'dir');
}
symlinkSync(join(root, 'node_modules/@types'), join(consumer.path, 'node_modules/@types'), 'dir');

/** Every entry point a package.json exports: the index, and `./internal` where a package has one. */
const entryPoints = packages.flatMap((name) => {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
  };
  return [
    { specifier: `@tracepoint/${name}`, file: 'index' },
    ...('./internal' in manifest.exports
      ? [{ specifier: `@tracepoint/${name}/internal`, file: 'internal' }]
      : []),
  ];
});

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: consumer.path, encoding: 'utf8' });
}

describe('published package shape (after pnpm build)', () => {
  it.each(entryPoints)(
    '$specifier loads with require() and import, with the same exports',
    ({ specifier, file }) => {
      const cjs = node([
        '-e',
        `const m = require('${specifier}'); console.log(JSON.stringify({ file: require.resolve('${specifier}'), keys: Object.keys(m).sort() }))`,
      ]);
      const esm = node([
        '--input-type=module',
        '-e',
        `const m = await import('${specifier}'); console.log(JSON.stringify({ file: import.meta.resolve('${specifier}'), keys: Object.keys(m).filter((k) => k !== 'default').sort() }))`,
      ]);
      const fromRequire = JSON.parse(cjs) as { file: string; keys: string[] };
      const fromImport = JSON.parse(esm) as { file: string; keys: string[] };
      expect(fromRequire.file).toMatch(new RegExp(`dist/cjs/${file}\\.js$`));
      expect(fromImport.file).toMatch(new RegExp(`dist/esm/${file}\\.js$`));
      expect(fromRequire.keys.length).toBeGreaterThan(0);
      expect(fromImport.keys).toEqual(fromRequire.keys);
    },
  );

  it('type-checks a CommonJS and an ES module consumer against the shipped .d.ts files', () => {
    const imports = packages.map((name, i) => `import * as p${i} from '@tracepoint/${name}';`).join('\n');
    const uses = `export const loaded = [${packages.map((_, i) => `p${i}`).join(', ')}].length;\n`;
    writeFileSync(join(consumer.path, 'consumer.cts'), `${imports}\n${uses}`);
    writeFileSync(join(consumer.path, 'consumer.mts'), `${imports}\n${uses}`);
    writeFileSync(join(consumer.path, 'package.json'), '{"name":"consumer","private":true}\n');
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
    const args = [
      tsc,
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--types',
      'node',
    ];
    expect(() => node([...args, 'consumer.cts', 'consumer.mts'])).not.toThrow();
  });
});
