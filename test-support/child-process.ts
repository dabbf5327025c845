import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The child's environment: the test's, plus `extra`, minus NODE_PATH. Vitest
 * sets NODE_PATH to its own and pnpm's hoisted folders; through it a child
 * can pick up a second @opentelemetry/api whose version refuses the globals
 * the first registered, and its spans silently lose their parents.
 */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_PATH;
  return env;
}

/** Runs a Node script on this test run's Node (the leg's), resolving with its stdout; rejects on a non-zero exit. */
export function runNode(
  script: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<string> {
  return runNodeWithStderr(script, env, nodeArgs).then(({ out }) => out);
}

/** Like runNode, resolving with stdout and stderr both. */
export function runNodeWithStderr(
  script: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<{ out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...nodeArgs, script], {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code) =>
      code === 0 ? done({ out, err }) : fail(new Error(`${script} exited with ${code}:\n${err}`)),
    );
  });
}

/** Starts a long-running Node script and resolves with its first stdout line, parsed as JSON. */
export function startNode<T>(
  script: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<{ first: T; child: ChildProcess }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...nodeArgs, script], {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => done({ first: JSON.parse(line) as T, child }));
    child.once('exit', (code) => fail(new Error(`${script} exited early with ${code}`)));
  });
}

/** The leg directory of this run (legs/otel2 or legs/otel3). */
export function legDir(): string {
  return new URL(`../legs/otel${process.env.TRACEPOINT_OTEL_LINE ?? '2'}`, import.meta.url).pathname;
}
