/**
 * The mark @tracepoint/processor-cleaner puts on a span it dropped (the rule's
 * name). Processors that see every span, sampled or not (the aggregator),
 * skip marked spans. `Symbol.for`, so copies of the packages agree.
 */
export const DROPPED_BY_CLEANER: unique symbol = Symbol.for('tracepoint.cleaner.droppedBy') as never;

/** Whether the cleaner dropped this span. */
export function isDroppedByCleaner(span: object): boolean {
  return (span as { [DROPPED_BY_CLEANER]?: string })[DROPPED_BY_CLEANER] !== undefined;
}
