import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Why an engine could not start on a data directory, in words that say what
 * to do next. Three causes are told apart, because each has a different fix:
 * the chdb package is missing (install it), another process holds the
 * directory (stop it, or share it through the store service), anything else
 * (the engine's own first line).
 */

/** The process holding chDB's lock on a data directory, from the `status` file the engine writes there. */
export interface LockHolder {
  pid: number;
  /** Its command line (Linux /proc), when readable. */
  command?: string;
  /** Its parent's pid and command line (Linux /proc): the app that owns a private chdb: engine. */
  parent?: { pid: number; command?: string };
}

/** A process's command line from /proc, or undefined where there is no /proc or it is gone. */
function commandLine(pid: number): string | undefined {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return command === '' ? undefined : command;
  } catch {
    return undefined;
  }
}

/** The parent pid from /proc/<pid>/stat (the field after the parenthesised name). */
function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return `${(error as Error)?.message ?? ''} ${String((error as { cause?: unknown })?.cause ?? '')}`;
}

/**
 * chDB refuses a second engine on a directory another process has open: the
 * ClickHouse text says "Cannot lock file", chDB's connection API only "Failed
 * to create connection" (which other failures give too, so that one counts
 * as a lock only when a live process holds the directory).
 */
export function isLockError(error: unknown, dir: string): boolean {
  const text = errorText(error);
  if (/Cannot lock file/i.test(text)) return true;
  return /Failed to create connection/i.test(text) && lockHolder(dir) !== undefined;
}

/** True when the error is Node's "module not found" for the chdb package itself. */
export function isChdbMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const message = (error as Error | null)?.message ?? '';
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    /(?:package|module) ['"]chdb(?:\/[^'"]*)?['"]/.test(message)
  );
}

/** Who holds the lock on `dir`: the pid in `<dir>/status` when that process is alive. */
export function lockHolder(dir: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID:\s*(\d+)/m.exec(text)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const command = commandLine(pid);
  if (command === undefined) return { pid };
  const ppid = parentPid(pid);
  if (ppid === undefined) return { pid, command };
  const parentCommand = commandLine(ppid);
  return {
    pid,
    command,
    parent: parentCommand === undefined ? { pid: ppid } : { pid: ppid, command: parentCommand },
  };
}

/** The store service (`clickhouse-local --store`): it waits for a previous service that is stopping. */
export function isStoreService(holder: LockHolder | undefined): boolean {
  return holder?.command !== undefined && /\s--store(?:\s|$)/.test(holder.command);
}

/** A private engine (`chdb:<dir>`): a child bound to the app that started it over IPC. */
function isPrivateEngine(holder: LockHolder | undefined): boolean {
  return holder?.command !== undefined && /\s--parent-ipc(?:\s|$)/.test(holder.command);
}

function shown(command: string): string {
  return command.length > 100 ? `${command.slice(0, 99)}…` : command;
}

function describeHolder(holder: LockHolder | undefined): string {
  if (holder === undefined) return 'another process';
  const command = holder.command;
  if (command === undefined) return `process ${holder.pid}`;
  if (isStoreService(holder)) return `process ${holder.pid}, the tracepoint store service`;
  if (isPrivateEngine(holder)) {
    const parent = holder.parent;
    const owner =
      parent === undefined
        ? 'another process'
        : `process ${parent.pid}${parent.command === undefined ? '' : ` (${shown(parent.command)})`}`;
    return `process ${holder.pid}, the private chdb: engine of ${owner}`;
  }
  return `process ${holder.pid} (${shown(command)})`;
}

/** One line: the cause of a failed start on `dir`, and the next step for it. */
export function describeStartFailure(dir: string, error: unknown): string {
  if (isChdbMissing(error)) {
    return 'the chdb package (the ClickHouse engine) is not installed next to @tracepoint/clickhouse-local: run npm i chdb';
  }
  if (isLockError(error, dir)) {
    const holder = lockHolder(dir);
    // A private engine goes away with the app that started it: that app is the one to stop.
    const owner = isPrivateEngine(holder) ? (holder?.parent?.pid ?? holder?.pid) : holder?.pid;
    const next = isStoreService(holder)
      ? `read it through that service: use the directory itself as the URL (--url ${dir}, not chdb:${dir})`
      : `stop ${owner === undefined ? 'that process' : `process ${owner}`}, or use another directory; to share one directory between processes, give every process the directory itself (the store service), not chdb:${dir}`;
    return `the store directory ${dir} is in use by ${describeHolder(holder)}, which holds its engine lock (${join(dir, 'status')}): ${next}`;
  }
  const cause = (error as { cause?: unknown } | null)?.cause;
  const message = `${error instanceof Error ? error.message : String(error)}${
    cause instanceof Error ? ` (${cause.message.split('\n')[0]})` : ''
  }`;
  return message.split('\n')[0] as string;
}
