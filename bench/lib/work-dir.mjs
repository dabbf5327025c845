import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `work` with a fresh temporary directory and removes the directory afterwards, whatever happens. */
export async function inWorkDir(name, work) {
  const dir = mkdtempSync(join(tmpdir(), `tracepoint-bench-${name}-`));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
