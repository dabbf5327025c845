import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The `name` of the package.json nearest to the app's entry script, read
 * once at construction (never on the span path); undefined when there is none.
 */
export function packageNameOfEntryScript(entry = process.argv[1]): string | undefined {
  if (entry === undefined) return undefined;
  let dir = dirname(entry);
  for (let depth = 0; depth < 32; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      return typeof pkg.name === 'string' && pkg.name !== '' ? pkg.name : undefined;
    } catch {
      // No (readable) package.json here: look one level up.
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

export function isMissingServiceName(name: unknown): boolean {
  return typeof name !== 'string' || name === '' || name.startsWith('unknown_service');
}
