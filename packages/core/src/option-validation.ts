/**
 * One message shape for every bad option of every package:
 * `tracepoint: <package> option <name> must be <rule>, got <value>`, thrown as
 * a TypeError when the pipeline is built, so a bad value never reaches the
 * span hot path. In the manner of clickhouse-js's config helpers: each check
 * returns the value it let through.
 */

const MAX_SHOWN = 200;

/** The value as the user wrote it: numbers as digits (NaN, 1.5, -1), the rest as JSON where it has one. */
export function shownValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  // An object given where a name was expected can be large; the start is enough to recognise it.
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** The checks of one package's options; `packageName` as messages name it (`exporter-clickhouse`). */
export class OptionValidator {
  constructor(readonly packageName: string) {}

  /** `tracepoint: <package> option <name> <problem>`. */
  fail(name: string, problem: string): never {
    throw new TypeError(`tracepoint: ${this.packageName} option ${name} ${problem}`);
  }

  /** `... option <name> must be <rule>, got <value>`. */
  invalid(name: string, rule: string, value: unknown): never {
    this.fail(name, `must be ${rule}, got ${shownValue(value)}`);
  }

  /** The options argument itself. */
  options<T>(value: T): T {
    if (value === null || typeof value !== 'object') {
      throw new TypeError(
        `tracepoint: ${this.packageName} options must be an object, got ${shownValue(value)}`,
      );
    }
    return value;
  }

  /** An integer of at least `minimum`; `fallback` when the value is undefined. */
  integer(name: string, value: unknown, minimum: number, fallback?: number): number {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
      this.invalid(name, `an integer >= ${minimum}`, value);
    }
    return value;
  }

  /** A number (fractions allowed) of at least `minimum`. */
  number(name: string, value: unknown, minimum: number): number {
    if (typeof value !== 'number' || !(value >= minimum)) this.invalid(name, `a number >= ${minimum}`, value);
    return value;
  }

  boolean(name: string, value: unknown, fallback?: boolean): boolean {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'boolean') this.invalid(name, 'true or false', value);
    return value;
  }

  string(name: string, value: unknown, fallback?: string): string {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string') this.invalid(name, 'a string', value);
    return value;
  }

  nonEmptyString(name: string, value: unknown): string {
    if (typeof value !== 'string' || value === '') this.invalid(name, 'a non-empty string', value);
    return value;
  }

  /** One of the allowed strings, listed in the message as `'a', 'b' or 'c'`. */
  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
    if (!allowed.includes(value as T)) this.invalid(name, listOf(allowed), value);
    return value as T;
  }

  array<T>(name: string, value: unknown, rule = 'an array'): readonly T[] {
    if (!Array.isArray(value)) this.invalid(name, rule, value);
    return value as readonly T[];
  }
}

function listOf(allowed: readonly string[]): string {
  const quoted = allowed.map((item) => `'${item}'`);
  return quoted.length < 2
    ? (quoted[0] ?? 'nothing')
    : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}
