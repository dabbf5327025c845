import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const SPILL_LOCK_FILE = 'spill.lock';

/** Another live process holds the directory: the caller keeps its memory queue. */
export class SpillLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: number,
  ) {
    super(
      `tracepoint: the spill directory ${dir} is in use by process ${holder}; give each process its own TRACEPOINT_SPILL_DIR (this one keeps its queue in memory)`,
    );
    this.name = 'SpillLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dir>/spill.lock` for this process: created exclusively with its pid.
 * A lock left by a process that is gone (SIGKILL, crash) is taken over, so a
 * restarted process replays its predecessor's spill; one held by a live
 * process throws SpillLockedError. Returns the release function.
 */
export function lockSpillDirectory(dir: string): () => void {
  const path = join(dir, SPILL_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // Gone between the open and the read: try again.
      }
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder))
        throw new SpillLockedError(dir, holder);
      try {
        // Only the stale lock read above: a process that took it over since has written its own pid
        // (a window of one read and one unlink remains; two processes restarted in the same
        // millisecond on one directory are a misconfiguration this cannot fully catch).
        if (readFileSync(path, 'utf8') === String(holder) || Number.isNaN(holder)) unlinkSync(path);
      } catch {
        // Another process took it over first: the next attempt finds its pid.
      }
      continue;
    }
    writeSync(fd, String(process.pid));
    closeSync(fd);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      try {
        if (Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid) unlinkSync(path);
      } catch {
        // Already gone.
      }
    };
  }
  throw new Error(`tracepoint: could not take the spill lock ${path}`);
}
