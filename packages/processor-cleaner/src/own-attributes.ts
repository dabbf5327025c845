import { types } from 'node:util';
import type { Attributes, AttributeValue } from '@opentelemetry/api';

/**
 * Own keys only, tested with `hasOwnProperty` called directly: V8 compiles a
 * for-in guarded by it to a walk of the enumeration cache. Measured on
 * 12-key SDK-like attribute objects (medians of interleaved rounds): bare
 * for-in 55 ns (Node 20) / 44 ns (Node 24), guarded 59 / 43 ns, while
 * `Object.hasOwn` (264 / 289 ns) and `Object.keys` (276 / 310 ns) cost five
 * times the walk.
 */
export const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Whether an attributes object can be walked and handed on as it is. The
 * exporter and the mapping walk attributes with for-in and read them by name,
 * which reaches into a foreign prototype (a `__proto__` key merged in with
 * `Object.assign`, or `setAttribute('__proto__', [...])`) and runs a proxy's
 * traps again on every read. Such objects are copied to plain ones instead.
 * About 30 ns a call (`getPrototypeOf` is not inlined), under 1% of a span.
 */
export function isPlainAttributes(attributes: object): boolean {
  if (types.isProxy(attributes)) return false;
  const prototype = Object.getPrototypeOf(attributes);
  return prototype === Object.prototype || prototype === null;
}

/** `out[key] = value`, where a `__proto__` key stays a key instead of replacing the prototype. */
export function setAttribute(out: Attributes, key: string, value: AttributeValue | undefined): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
