import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '..');

/** `.cache/debian/<name>` in the repository: where `unpackDebianPackages` puts a package set. */
export function debianCacheDir(name: string): string {
  return join(REPO_ROOT, '.cache/debian', name);
}

function download(packages: readonly string[], into: string, label: string): void {
  const run = () => execFileSync('apt-get', ['download', ...packages], { cwd: into, stdio: 'pipe' });
  try {
    run();
  } catch (first) {
    // A fresh machine may have no package lists yet; only root can fetch them.
    if (process.getuid?.() !== 0) {
      throw new Error(
        `could not download ${label} from Debian (${String(first)}); run apt-get update as root`,
      );
    }
    execFileSync('apt-get', ['update'], { stdio: 'pipe' });
    run();
  }
}

/**
 * Debian packages for tests, without installing anything system-wide: the
 * .debs are fetched with `apt-get download` and unpacked with `dpkg-deb -x`
 * into `.cache/debian/<name>` (no root, no dpkg lock), once. `marker` is a
 * file inside the tree whose presence means the set is already there.
 */
export function unpackDebianPackages(options: {
  name: string;
  label: string;
  packages: readonly string[];
  marker: string;
}): string {
  const cacheDir = debianCacheDir(options.name);
  const marker = join(cacheDir, options.marker);
  if (existsSync(marker)) return cacheDir;
  const work = mkdtempSync(join(tmpdir(), `tracepoint-${options.name}-deb-`));
  try {
    download(options.packages, work, options.label);
    const unpacked = join(work, 'root');
    for (const deb of readdirSync(work).filter((file) => file.endsWith('.deb'))) {
      execFileSync('dpkg-deb', ['-x', join(work, deb), unpacked]);
    }
    mkdirSync(join(cacheDir, '..'), { recursive: true });
    // Rename is atomic: a parallel test run sees either nothing or a complete tree.
    try {
      if (!existsSync(cacheDir)) renameSync(unpacked, cacheDir);
    } catch (error) {
      // Another run won the race; its tree is as good as ours.
      if (!existsSync(marker)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return cacheDir;
}
