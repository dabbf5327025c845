import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/**
 * Where the app's OpenTelemetry packages are resolved from: TRACEPOINT_RESOLVE_FROM
 * (a directory), else the entry script's directory, else the working directory.
 * The SDK is the app's own (a peer), so its version line is the app's choice.
 */
export function appRequire(env: NodeJS.ProcessEnv): NodeJS.Require {
  const from =
    env.TRACEPOINT_RESOLVE_FROM ?? (process.argv[1] ? dirname(resolve(process.argv[1])) : process.cwd());
  return createRequire(join(resolve(from), 'noop.js'));
}
