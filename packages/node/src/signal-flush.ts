import { constants } from 'node:os';

export interface SignalFlushOptions {
  signals: readonly NodeJS.Signals[];
  /** Flushes tracing; settles once, whatever it meets. */
  flush: () => Promise<unknown>;
  /** How long a signal waits for `flush` at most. */
  timeoutMillis: number;
  logError: (message: string) => void;
}

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Holds the first of `signals` back from the app's own listeners until
 * `flush` has settled (at most `timeoutMillis`), then raises it again with
 * tracepoint's listeners gone, so the process ends as it would have without
 * tracepoint, only later: killed by the signal when nothing else listens,
 * otherwise as the app's listeners decide. Nothing of the app's runs before
 * the flush, so neither signal-exit (which raises the signal again when it
 * finds itself the last listener) nor a listener that calls process.exit()
 * can end the process while rows are still being written. A second signal
 * while holding stops waiting.
 *
 * Node delivers a signal through the `process.emit` that was current when
 * the signal's first listener was added; so `process.emit` is wrapped first,
 * and listeners that were already there are added again after tracepoint's.
 * If a signal ever reached the listeners without passing the wrapper,
 * tracepoint's listener, added first and kept until the flush settled, still
 * starts the flush, and a signal-exit listener still finds itself not the
 * last one.
 */
export function flushOnSignals(options: SignalFlushOptions): void {
  const { signals, flush, timeoutMillis, logError } = options;
  const isHeld = (event: string | symbol): event is NodeJS.Signals =>
    typeof event === 'string' && (signals as readonly string[]).includes(event);
  const deliver = process.emit as Emit;
  let holding = false;
  let released = false;
  let timer: NodeJS.Timeout | undefined;

  const release = (signal: NodeJS.Signals) => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    for (const each of signals) process.removeListener(each, listener);
    const others = process.listenerCount(signal);
    // With no listener left the signal's default action ends the process here and now.
    process.kill(process.pid, signal);
    // Still alive with nothing listening: a process 1 ignores signals it has no handler for.
    if (others === 0) process.exit(128 + constants.signals[signal]);
  };

  const hold = (signal: NodeJS.Signals) => {
    if (holding) {
      release(signal);
      return;
    }
    holding = true;
    // A timer that keeps the event loop alive: the flush's own handles may not.
    timer = setTimeout(() => {
      logError(
        `tracepoint: the flush at ${signal} did not finish within ${timeoutMillis} ms; exiting without it`,
      );
      release(signal);
    }, timeoutMillis);
    void flush()
      .catch(() => undefined)
      .then(() => release(signal));
  };

  function listener(signal: NodeJS.Signals): void {
    if (!holding) hold(signal);
  }

  const wrapped: Emit = function (this: NodeJS.Process, event, ...args) {
    if (released || !isHeld(event)) return deliver.call(this, event, ...args);
    hold(event);
    return true;
  };
  process.emit = wrapped as typeof process.emit;
  for (const signal of signals) {
    const before = process.rawListeners(signal) as ((...args: unknown[]) => void)[];
    // Removing the last listener closes the signal's handle; the next listener opens one on `wrapped`.
    process.removeAllListeners(signal);
    process.on(signal, listener);
    for (const each of before) process.on(signal, each);
  }
}
