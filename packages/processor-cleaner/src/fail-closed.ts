import { type Attributes, type HrTime, type Link, type SpanStatus, SpanStatusCode } from '@opentelemetry/api';
import { isValidHrTime, type SpanLike, type TimedEventLike } from '@tracepoint/core';
import { setAttribute } from './own-attributes.js';
import { fixedSpanContext } from './span-anomalies.js';

/** What every attribute value of a span whose cleaning failed becomes. */
export const FAILED_MASK = '[REDACTED:cleanerFailed]';
/** The anomaly such a span carries, and the drop rule of one that could not even be masked. */
export const CLEANER_FAILED = 'cleaner_failed';
export const CLEANER_FAILED_RULE = 'cleanerFailed';

/** The cleaner's own pieces the fallback still uses, each call guarded. */
export interface FailClosedTools {
  /** The usual text cleaning (redaction included) of names and messages. */
  text(text: string): string;
  key(key: string): string | undefined;
  maxAttributes: number;
  maxEvents: number;
  maxLinks: number;
}

/** A field read that may throw (a getter, a revoked proxy): undefined then. */
function read<T>(object: unknown, field: string): T | undefined {
  try {
    return (object as Record<string, T> | null | undefined)?.[field];
  } catch {
    return undefined;
  }
}

/**
 * The own keys that can be listed, each with the mask. No value is read, so
 * nothing of the original passes on; when even the keys cannot be listed (a
 * revoked proxy) the result is an empty object.
 */
export function maskedAttributes(attributes: unknown, tools: FailClosedTools): Attributes {
  const out: Attributes = {};
  try {
    if (attributes === null || typeof attributes !== 'object') return out;
    const keys = Object.keys(attributes);
    const count = Math.min(keys.length, tools.maxAttributes);
    for (let i = 0; i < count; i++) {
      const key = tools.key(keys[i] as string);
      if (key !== undefined) setAttribute(out, key, FAILED_MASK);
    }
  } catch {
    // Keys listed before the failure are kept: they carry no value.
  }
  return out;
}

function cleanedText(value: unknown, tools: FailClosedTools): string {
  try {
    return tools.text(typeof value === 'string' ? value : String(value));
  } catch {
    return FAILED_MASK;
  }
}

function validTime(time: unknown, fallback: HrTime): HrTime {
  try {
    return isValidHrTime(time) ? [time[0], time[1]] : fallback;
  } catch {
    return fallback;
  }
}

function maskedEvents(span: SpanLike, tools: FailClosedTools, start: HrTime): TimedEventLike[] {
  const out: TimedEventLike[] = [];
  try {
    const events = read<unknown>(span, 'events');
    if (!Array.isArray(events)) return out;
    const count = Math.min(events.length, tools.maxEvents);
    for (let i = 0; i < count; i++) {
      const event = read<unknown>(events, String(i));
      out.push({
        name: cleanedText(read(event, 'name'), tools),
        time: validTime(read(event, 'time'), start),
        attributes: maskedAttributes(read(event, 'attributes'), tools),
        droppedAttributesCount: 0,
      });
    }
  } catch {
    // The events listed so far are masked; the others go.
  }
  return out;
}

function maskedLinks(span: SpanLike, tools: FailClosedTools): Link[] {
  const out: Link[] = [];
  try {
    const links = read<unknown>(span, 'links');
    if (!Array.isArray(links)) return out;
    const count = Math.min(links.length, tools.maxLinks);
    for (let i = 0; i < count; i++) {
      const link = read<unknown>(links, String(i));
      try {
        const context = read<Link['context']>(link, 'context') as Link['context'];
        out.push({
          context: fixedSpanContext(context) ?? context,
          attributes: maskedAttributes(read(link, 'attributes'), tools),
          droppedAttributesCount: 0,
        });
      } catch {
        // A link without a readable context is left out.
      }
    }
  } catch {
    // As for events.
  }
  return out;
}

function maskedStatus(span: SpanLike, tools: FailClosedTools): SpanStatus {
  const status = read<unknown>(span, 'status');
  const code = read<unknown>(status, 'code');
  const message = read<unknown>(status, 'message');
  return {
    code: code === SpanStatusCode.OK || code === SpanStatusCode.ERROR ? code : SpanStatusCode.UNSET,
    ...(message === undefined || message === null ? {} : { message: cleanedText(message, tools) }),
  };
}

/**
 * What a span whose cleaning failed carries on instead of its own data:
 * attribute keys with masked values (the span's, its events' and its
 * links'), names and status message through the usual text cleaning, or the
 * mask when that fails too. Nothing here throws, and no attribute value of
 * the span is read.
 */
export function failClosedFields(
  span: SpanLike,
  tools: FailClosedTools,
): {
  name: string;
  status: SpanStatus;
  attributes: Attributes;
  events: TimedEventLike[];
  links: Link[];
} {
  const start = validTime(read(span, 'startTime'), [0, 0]);
  return {
    name: cleanedText(read(span, 'name'), tools) || 'unnamed',
    status: maskedStatus(span, tools),
    attributes: maskedAttributes(read(span, 'attributes'), tools),
    events: maskedEvents(span, tools, start),
    links: maskedLinks(span, tools),
  };
}

/** A resource whose own attributes are masked; its other fields stay reachable through the prototype. */
export function maskedResource(resource: SpanLike['resource'], tools: FailClosedTools): SpanLike['resource'] {
  const attributes = maskedAttributes(read(resource, 'attributes'), tools);
  try {
    return Object.create(resource ?? null, { attributes: { value: attributes, enumerable: true } });
  } catch {
    return { attributes } as unknown as SpanLike['resource'];
  }
}

/**
 * For a span whose fields cannot be replaced (a frozen span): the values of
 * its attribute objects (span, events, links) masked where they are. False
 * when one of them cannot be written either.
 */
export function maskAttributesInPlace(span: SpanLike): boolean {
  try {
    if (!maskInPlace(read(span, 'attributes'))) return false;
    for (const list of [read<unknown>(span, 'events'), read<unknown>(span, 'links')]) {
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) return false;
      for (let i = 0; i < list.length; i++) if (!maskInPlace(read(list[i], 'attributes'))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function maskInPlace(attributes: unknown): boolean {
  if (attributes === undefined || attributes === null) return true;
  try {
    if (typeof attributes !== 'object') return false;
    const target = attributes as Attributes;
    for (const key of Object.keys(target)) target[key] = FAILED_MASK;
    // A foreign prototype could still answer reads by name; a plain one cannot.
    const prototype = Object.getPrototypeOf(target);
    if (prototype !== Object.prototype && prototype !== null) Object.setPrototypeOf(target, Object.prototype);
    return true;
  } catch {
    return false;
  }
}
