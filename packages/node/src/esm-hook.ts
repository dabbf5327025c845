import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { logLine } from '@tracepoint/core';
import { appRequire } from './app-require.js';
import { onOff } from './on-off.js';

/** The registered loader hook. */
export interface EsmHook {
  /**
   * Resolves once the loader has the module names the instrumentations asked
   * for; await it after the SDK started and before the app's imports run.
   */
  ready(): Promise<void>;
}

export interface EsmHookOptions {
  env?: NodeJS.ProcessEnv;
  /** Where to print the one line a failed hook gives. */
  logError?: (message: string) => void;
}

interface AddHookMessageChannel {
  registerOptions: { data?: unknown; transferList?: unknown[] };
  addHookMessagePort?: { unref(): void };
  waitForAllMessagesAcknowledged(): Promise<void>;
}

/** import-in-the-middle's in-thread loader (`register-hooks.mjs`, 3.x). */
interface SyncLoader {
  register(options: unknown): void;
}

interface ImportInTheMiddle {
  createAddHookMessageChannel?: () => AddHookMessageChannel;
}

/**
 * The import-in-the-middle that the app's auto-instrumentations create their
 * Hooks with: the channel's sending end is a module-level variable of that
 * copy, and the wrappers its loader writes call that copy's hooks, so another
 * copy would wrap modules that nothing then patches.
 */
function instrumentationsRequire(load: NodeJS.Require, autoInstrumentations: string): NodeJS.Require {
  for (const from of [autoInstrumentations, undefined]) {
    try {
      const next = from === undefined ? load : nodeModule.createRequire(from);
      return nodeModule.createRequire(next.resolve('@opentelemetry/instrumentation'));
    } catch {}
  }
  throw new Error("found no @opentelemetry/instrumentation next to the app's auto-instrumentations");
}

/**
 * import-in-the-middle's synchronous loader where this Node.js runs it
 * correctly (`module.registerHooks`, 22.22.3+, 24.11.1+), else undefined.
 * `module.register` runs hooks on a thread of their own, with its own V8
 * isolate, and every module the app loads crosses to it and back: with the
 * hook, the add-on's app measured 146-149 MiB RSS against 123-128 without
 * (Node 24; Node 20, which has only that thread, 121-127 against 103). In the
 * app's thread there is no second isolate and no round trip per module.
 */
function syncLoader(fromInstrumentation: NodeJS.Require): SyncLoader | undefined {
  if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks !== 'function') return undefined;
  try {
    // Loaded by require (ES modules without top-level await load so on these versions); a copy
    // without these files is older than the in-thread loader.
    const supports = fromInstrumentation('import-in-the-middle/supports-sync-hooks.mjs') as {
      supportsSyncHooks?: () => boolean;
    };
    if (supports.supportsSyncHooks?.() !== true) return undefined;
    const loader = fromInstrumentation('import-in-the-middle/register-hooks.mjs') as Partial<SyncLoader>;
    return typeof loader.register === 'function' ? (loader as SyncLoader) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Registers import-in-the-middle's loader so that the app's ES modules can be
 * patched, wrapping only the modules the enabled instrumentations name (sent
 * over its add-hook message channel when they create their Hooks). Wrapping
 * every module breaks the app: a wrapper copies each export once, so an
 * `export let` that the module reassigns later stays undefined for importers.
 *
 * Off with TRACEPOINT_ESM_HOOK=off. A bad switch and missing SDK packages are
 * left to startTracepoint, which reports them and leaves tracing off. Any
 * other failure prints one line; the app runs, its CommonJS still traced.
 */
export function registerEsmHook(options: EsmHookOptions = {}): EsmHook | undefined {
  const env = options.env ?? process.env;
  const logError = options.logError ?? ((line: string) => logLine('error', line));
  try {
    if (!onOff(env, 'TRACEPOINT_ESM_HOOK')) return undefined;
  } catch {
    return undefined;
  }
  const load = appRequire(env);
  let autoInstrumentations: string;
  try {
    autoInstrumentations = load.resolve('@opentelemetry/auto-instrumentations-node');
  } catch {
    return undefined;
  }
  try {
    if (typeof nodeModule.register !== 'function') {
      throw new Error(`Node.js ${process.version} has no module.register; use Node.js 20.6 or later`);
    }
    const fromInstrumentation = instrumentationsRequire(load, autoInstrumentations);
    const iitm = fromInstrumentation('import-in-the-middle') as ImportInTheMiddle;
    if (typeof iitm.createAddHookMessageChannel !== 'function') {
      const { version } = fromInstrumentation('import-in-the-middle/package.json') as { version: string };
      throw new Error(
        `import-in-the-middle ${version} cannot limit its hook to the instrumented modules; upgrade @opentelemetry/auto-instrumentations-node (it needs import-in-the-middle 1.11 or later)`,
      );
    }
    const channel = iitm.createAddHookMessageChannel();
    const sync = syncLoader(fromInstrumentation);
    if (sync !== undefined && channel.addHookMessagePort !== undefined) {
      // The same channel, both ends in this thread: the loader learns the names as the async one does.
      sync.register(channel.registerOptions.data);
      // The loader's end listens for names for the life of the process; it must not keep it alive.
      channel.addHookMessagePort.unref();
    } else {
      const hookUrl = pathToFileURL(fromInstrumentation.resolve('import-in-the-middle/hook.mjs')).href;
      nodeModule.register(hookUrl, hookUrl, channel.registerOptions as nodeModule.RegisterOptions<unknown>);
    }
    return { ready: () => channel.waitForAllMessagesAcknowledged() };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logError(
      `tracepoint: ES modules will not be instrumented (${reason}); fix that, or set TRACEPOINT_ESM_HOOK=off to silence this`,
    );
    return undefined;
  }
}
