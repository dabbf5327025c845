import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** The `| option | default | ... |` rows of a README's options table: option name -> default cell. */
export function readmeOptionDefaults(readmePath: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(readmePath, 'utf8').split('\n')) {
    const match = /^\|\s*`([A-Za-z]+)`\s*\|\s*([^|]+?)\s*\|/.exec(line);
    if (match) rows.set(match[1] as string, (match[2] as string).trim());
  }
  return rows;
}

/** Fails unless the README's options table states each default exactly as the code defines it. */
export function expectReadmeStatesDefaults(readme: URL, defaults: Readonly<Record<string, unknown>>): void {
  const documented = readmeOptionDefaults(readme.pathname);
  for (const [option, value] of Object.entries(defaults)) {
    expect(documented.get(option), `README default of ${option}`).toBe(`\`${String(value)}\``);
  }
}
