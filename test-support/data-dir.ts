import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh data directory for one test file's engine; chDB binds one directory per process. */
export function tempDataDir(label: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `tracepoint-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
