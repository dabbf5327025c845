import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * ARCHITECTURE.md's layering, as data: what each package's src/ may import
 * (bare specifiers; relative imports and `node:` built-ins are always fine).
 * A package below never reaches up, and the cleaner and the aggregator never
 * import each other.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: ['@opentelemetry/api'],
  'semantic-mapping': ['@opentelemetry/api', '@tracepoint/core'],
  'processor-cleaner': [
    '@opentelemetry/api',
    '@tracepoint/core',
    '@tracepoint/semantic-mapping',
    // The PII detectors' validation (README: Dependencies): IBAN registry and checksum, phone numbering plans.
    'ibantools',
    'libphonenumber-js',
  ],
  'processor-aggregator': ['@opentelemetry/api', '@tracepoint/core', '@tracepoint/semantic-mapping'],
  'exporter-clickhouse': [
    '@opentelemetry/api',
    '@clickhouse/client',
    // The spill's CRC32C (README: Spill to disk), native: a pure-JavaScript one blocks the event loop.
    '@node-rs/crc32',
    '@tracepoint/core',
    '@tracepoint/semantic-mapping',
    '@tracepoint/clickhouse-local',
  ],
  node: [
    '@opentelemetry/api',
    '@tracepoint/core',
    '@tracepoint/semantic-mapping',
    '@tracepoint/processor-cleaner',
    '@tracepoint/processor-aggregator',
    '@tracepoint/exporter-clickhouse',
    // The dashboard page's graph layout (README: Dependencies), run only when the page is written.
    '@dagrejs/dagre',
  ],
  'clickhouse-local': ['@clickhouse/client', 'chdb'],
};

const packagesDir = join(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function importedPackages(file: string): Set<string> {
  const text = readFileSync(file, 'utf8');
  const found = new Set<string>();
  // Static imports and re-exports start a line; dynamic imports may sit anywhere.
  const statements = /^(?:import|export)\b[^;]*?from\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm;
  const dynamic = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of [...text.matchAll(statements), ...text.matchAll(dynamic)]) {
    const specifier = (match[1] ?? match[2])!;
    if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
    found.add(packageOf(specifier));
  }
  return found;
}

describe('layering (ARCHITECTURE.md)', () => {
  it('lists every package', () => {
    const folders = readdirSync(packagesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toEqual(Object.keys(MAY_IMPORT).sort());
  });

  for (const [name, allowed] of Object.entries(MAY_IMPORT)) {
    it(`${name} imports only the layers below it`, () => {
      const offending: string[] = [];
      for (const file of sourceFiles(join(packagesDir, name, 'src'))) {
        for (const imported of importedPackages(file)) {
          if (!allowed.includes(imported))
            offending.push(`${file.slice(packagesDir.length + 1)} -> ${imported}`);
        }
      }
      expect(offending).toEqual([]);
    });

    it(`${name} declares no workspace dependency above it`, () => {
      const manifest = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as Record<
        string,
        Record<string, string> | undefined
      >;
      const declared = [
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ].filter((dependency) => dependency.startsWith('@tracepoint/'));
      expect(declared.filter((dependency) => !allowed.includes(dependency))).toEqual([]);
    });
  }
});
