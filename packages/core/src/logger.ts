import { diag } from '@opentelemetry/api';
import { OptionValidator } from './option-validation.js';

/**
 * Where a package's one-line warnings and errors go: the `logger` option of
 * the cleaner, the aggregator and the exporter. A logger given there receives
 * every line, as the package wrote it (no prefix, no deduplication).
 */
export interface TracepointLogger {
  warn(message: string): void;
  /** Without it, errors go to `warn`. */
  error?(message: string): void;
}

/**
 * What a package logs through. `key` names the kind of line (default: the
 * line itself), so the default logger prints a kind that repeats with other
 * numbers (`lost 3 rows`, `lost 7 rows`) to stderr once.
 */
export interface ComponentLogger {
  warn(message: string, key?: string): void;
  error(message: string, key?: string): void;
}

export type LogLevel = 'warn' | 'error';

// @opentelemetry/api 1.x keeps its globals under this symbol, shared by every copy of the API in
// the process; `diag` is set there by diag.setLogger (NodeSDK calls it when OTEL_LOG_LEVEL is set)
// and removed by diag.disable(). The API has no public "is a logger installed" call.
const API_GLOBALS = Symbol.for('opentelemetry.js.api.1');

/** Whether someone installed a diag logger (diag.setLogger), so diag lines are seen. */
export function diagLoggerInstalled(): boolean {
  const globals = (globalThis as { [API_GLOBALS]?: { diag?: unknown } })[API_GLOBALS];
  return globals?.diag !== undefined;
}

const printed = new Set<string>();

/**
 * The default path of a complete line (`tracepoint: …`): always to OpenTelemetry's
 * diag; and, while no diag logger is installed, to stderr once per key, so a
 * bad configuration, a start-up failure, lost rows or a disabled writer is
 * seen without OTEL_LOG_LEVEL and does not flood stderr when it repeats.
 */
export function logLine(level: LogLevel, line: string, key: string = line): void {
  try {
    diag[level](line);
    if (diagLoggerInstalled() || printed.has(key)) return;
    printed.add(key);
    console[level](line);
  } catch {
    // Logging never breaks the app (a console or diag logger that throws).
  }
}

function fromUser(given: TracepointLogger): ComponentLogger {
  return {
    warn(message) {
      try {
        given.warn(message);
      } catch {
        // A broken logger must not break the app.
      }
    },
    error(message) {
      try {
        if (typeof given.error === 'function') given.error(message);
        else given.warn(message);
      } catch {
        // As above.
      }
    },
  };
}

/**
 * The logger of one package: the user's when given, else lines prefixed
 * `tracepoint: <component>: ` through `logLine` (keys are per component).
 */
export function componentLogger(component: string, given?: TracepointLogger): ComponentLogger {
  if (given !== undefined) {
    if (given === null || typeof given.warn !== 'function') {
      new OptionValidator(component).invalid(
        'logger',
        'an object with warn(message) and error(message)',
        given,
      );
    }
    return fromUser(given);
  }
  const prefix = `tracepoint: ${component}: `;
  return {
    warn: (message, key = message) => logLine('warn', prefix + message, prefix + key),
    error: (message, key = message) => logLine('error', prefix + message, prefix + key),
  };
}
