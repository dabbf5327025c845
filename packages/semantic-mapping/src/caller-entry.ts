import { type Context, createContextKey } from '@opentelemetry/api';

/**
 * The caller a request came from, as the caller propagated it: its component
 * (service name) and method (e.g. `GET /checkout`).
 */
export interface CallerEntry {
  readonly component: string;
  readonly method: string | undefined;
}

/** Where `CallerPropagator.extract` leaves the caller for `CallerSpanProcessor.onStart`. */
export const CALLER_CONTEXT_KEY = createContextKey('tracepoint caller entry');

export function callerFromContext(context: Context): CallerEntry | undefined {
  const value = context.getValue(CALLER_CONTEXT_KEY) as CallerEntry | undefined;
  return value !== undefined && typeof value.component === 'string' ? value : undefined;
}

/** W3C tracestate key of the entry. */
export const TRACESTATE_KEY = 'tracepoint';
/** Longest component or method carried, in characters before encoding. */
export const MAX_CALLER_COMPONENT = 64;
export const MAX_CALLER_METHOD = 128;
/** Longest encoded value; W3C allows 256 per tracestate member. */
export const MAX_ENTRY_LENGTH = 256;

/**
 * `component;method`, each percent-encoded, so the value holds only characters
 * tracestate allows (printable ASCII without `,` and `=`) and `;` can only be
 * the separator. The method is shortened, then dropped, before the entry may
 * exceed MAX_ENTRY_LENGTH; undefined when even the component does not fit.
 */
export function encodeCallerEntry(component: string, method: string | undefined): string | undefined {
  const head = encodeURIComponent(component.slice(0, MAX_CALLER_COMPONENT));
  if (head === '' || head.length > MAX_ENTRY_LENGTH) return undefined;
  if (method === undefined || method === '') return head;
  let cut = method.slice(0, MAX_CALLER_METHOD);
  while (cut !== '') {
    const value = `${head};${encodeURIComponent(cut)}`;
    if (value.length <= MAX_ENTRY_LENGTH) return value;
    cut = cut.slice(0, Math.floor(cut.length / 2));
  }
  return head;
}

/** Parses an entry; undefined for anything malformed or oversized (it is then ignored). */
export function decodeCallerEntry(value: string): CallerEntry | undefined {
  if (value.length === 0 || value.length > MAX_ENTRY_LENGTH) return undefined;
  const separator = value.indexOf(';');
  const rawComponent = separator < 0 ? value : value.slice(0, separator);
  const rawMethod = separator < 0 ? undefined : value.slice(separator + 1);
  try {
    const component = decodeURIComponent(rawComponent);
    const method = rawMethod === undefined ? undefined : decodeURIComponent(rawMethod);
    if (component === '' || component.length > MAX_CALLER_COMPONENT) return undefined;
    if (method !== undefined && (method === '' || method.length > MAX_CALLER_METHOD)) return undefined;
    return { component, method };
  } catch {
    return undefined;
  }
}
