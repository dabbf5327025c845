import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** verdaccio (a real npm registry) for the add-on tests; 6.10 needs Node.js 22 or later (leg 3). */
export const VERDACCIO_VERSION = '6.10.4';
const verdaccioDir = new URL('../.cache/verdaccio/', import.meta.url).pathname;

/** verdaccio's bin, installed once into the git-ignored .cache (about 20 s, 65 MB). */
export function verdaccioBin(): string {
  const installed = join(verdaccioDir, 'node_modules/verdaccio/package.json');
  if (!existsSync(installed) || JSON.parse(readFileSync(installed, 'utf8')).version !== VERDACCIO_VERSION) {
    execFileSync(
      'npm',
      ['install', '--prefix', verdaccioDir, '--no-audit', '--no-fund', `verdaccio@${VERDACCIO_VERSION}`],
      { stdio: 'ignore' },
    );
  }
  return join(verdaccioDir, 'node_modules/verdaccio/bin/verdaccio');
}

export interface StartedVerdaccio {
  /** verdaccio's first stdout line (JSON; `addr` is where it listens). */
  first: { addr?: string };
  child: ChildProcess;
  /** Its stderr so far. */
  err(): string;
}

/**
 * verdaccio started with `nodeArgs` (the add-on's `--import`), resolving with its
 * first stdout line. Like startNode, with arguments after the script and without
 * vitest's NODE_PATH.
 */
export function startVerdaccio(
  env: Record<string, string>,
  nodeArgs: readonly string[],
  args: readonly string[],
): Promise<StartedVerdaccio> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_PATH;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...nodeArgs, verdaccioBin(), ...args], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    createInterface({ input: child.stdout }).once('line', (line) =>
      done({ first: JSON.parse(line), child, err: () => err }),
    );
    child.once('exit', (code) => fail(new Error(`verdaccio exited early with ${code}:\n${err}`)));
  });
}

/**
 * verdaccio logs its address just before the socket listens: under load the
 * first request can come too early (ECONNREFUSED, seen once in CI), so refused
 * connections are retried for a while; any other failure is thrown at once.
 */
export async function fetchWhenListening(url: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code !== 'ECONNREFUSED' || attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
