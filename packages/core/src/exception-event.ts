import { EXCEPTION_EVENT } from './attribute-names.js';
import type { SpanLike } from './span-shape.js';

/**
 * The span recorded an exception event: what makes the mapping's exception points events rather
 * than its status, and what the aggregator counts as an exception. A loop, no closure.
 */
export function hasExceptionEvent(events: SpanLike['events']): boolean {
  for (let i = 0; i < events.length; i++) if (events[i]?.name === EXCEPTION_EVENT) return true;
  return false;
}
