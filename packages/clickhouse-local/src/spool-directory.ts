import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'tracepoint-clickhouse-local-';
// `<prefix><pid>-<random>`: the pid says whose directory it is once its owner is gone.
const OWNED = new RegExp(`^${PREFIX}(\\d+)-`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes this process's private directory for insert-body files under `root`, and
 * removes the ones of engines that died without closing (a killed store service
 * leaves its directory, and the file of an insert it was running, behind on
 * tmpfs, which is memory). A directory whose pid is alive is never touched.
 */
export function openSpoolDirectory(root: string): string {
  let entries: string[] = [];
  try {
    entries = readdirSync(root);
  } catch {
    // An unreadable root only means nothing is swept; mkdtemp below says what is wrong.
  }
  for (const entry of entries) {
    const owner = OWNED.exec(entry);
    if (owner === null) continue;
    const pid = Number(owner[1]);
    if (pid === process.pid || alive(pid)) continue;
    try {
      rmSync(join(root, entry), { recursive: true, force: true });
    } catch {
      // Another user's directory, or one removed meanwhile: not ours to insist on.
    }
  }
  return mkdtempSync(join(root, `${PREFIX}${process.pid}-`));
}
