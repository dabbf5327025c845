import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The files a store service keeps in its store directory (beside chDB's own):
 * the discovery file naming the running service, the start lock a starter
 * holds while it spawns one, and the service's log.
 */
export const STORE_FILES = {
  discovery: 'tracepoint-store.json',
  lock: 'tracepoint-store.lock',
  log: 'tracepoint-store.log',
} as const;

/** What the discovery file says about the running service. */
export interface StoreServiceInfo {
  pid: number;
  /** `http://127.0.0.1:<port>`: ClickHouse's HTTP interface over the store. */
  url: string;
  port: number;
  /** The store directory, absolute. */
  path: string;
  /** ISO time the service started listening. */
  startedAt: string;
  /** ClickHouse version of the engine. */
  version: string;
  /** The service stops itself after this long without requests. */
  idleMillis: number;
}

export function discoveryFile(dir: string): string {
  return join(dir, STORE_FILES.discovery);
}

function parseInfo(text: string): StoreServiceInfo | undefined {
  try {
    const info = JSON.parse(text) as Partial<StoreServiceInfo>;
    if (typeof info.pid !== 'number' || typeof info.url !== 'string') return undefined;
    return info as StoreServiceInfo;
  } catch {
    // A half-written or foreign file counts as no service: the starter replaces it.
    return undefined;
  }
}

export async function readDiscovery(dir: string): Promise<StoreServiceInfo | undefined> {
  const text = await readFile(discoveryFile(dir), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseInfo(text);
}

/** Written to a temporary name and renamed, so a reader never sees half a file. */
export async function writeDiscovery(dir: string, info: StoreServiceInfo): Promise<void> {
  const temp = `${discoveryFile(dir)}.${process.pid}.${randomUUID().slice(0, 8)}`;
  await writeFile(temp, `${JSON.stringify(info, null, 2)}\n`);
  await rename(temp, discoveryFile(dir));
}

/** Removes the discovery file if it still names `pid` (a newer service's file is left alone). Synchronous for exit handlers. */
export function removeOwnDiscoverySync(dir: string, pid: number): void {
  try {
    const info = parseInfo(readFileSync(discoveryFile(dir), 'utf8'));
    if (info?.pid === pid) unlinkSync(discoveryFile(dir));
  } catch {
    // Already gone.
  }
}

/** Removes a stale discovery file if it is still the one that was read. */
export async function removeStaleDiscovery(dir: string, stale: StoreServiceInfo): Promise<void> {
  const now = await readDiscovery(dir);
  if (now !== undefined && now.pid === stale.pid && now.startedAt === stale.startedAt) {
    await unlink(discoveryFile(dir)).catch(() => undefined);
  }
}

/** True when a process with this id exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The start lock: created with O_EXCL, holding the starter's pid. A lock whose
 * pid is gone (a starter killed mid-start) or older than `staleMillis` is broken.
 * Returns a release function, or undefined when another live starter holds it.
 */
export async function tryStartLock(
  dir: string,
  staleMillis: number,
): Promise<(() => Promise<void>) | undefined> {
  const path = join(dir, STORE_FILES.lock);
  const token = `${process.pid} ${Date.now()} ${randomUUID()}`;
  try {
    const handle = await open(path, 'wx');
    await handle.writeFile(token);
    await handle.close();
    return async () => {
      const now = await readFile(path, 'utf8').catch(() => undefined);
      if (now === token) await unlink(path).catch(() => undefined);
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const held = await readFile(path, 'utf8').catch(() => undefined);
  if (held === undefined) return undefined; // released meanwhile: the caller tries again
  const [pidText, timeText] = held.split(' ');
  const pid = Number(pidText);
  const since = Number(timeText);
  // An empty lock is one being written right now; only a dead owner or an old lock is stale.
  const stale =
    held !== '' && (!processAlive(pid) || !Number.isFinite(since) || Date.now() - since > staleMillis);
  if (stale) {
    const again = await readFile(path, 'utf8').catch(() => undefined);
    if (again === held) await unlink(path).catch(() => undefined);
  }
  return undefined;
}
