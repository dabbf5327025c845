export * from './attribute-names.js';
export { firstPresentName, readFirst } from './attribute-read.js';
export { DROPPED_BY_CLEANER, isDroppedByCleaner } from './cleaner-mark.js';
export { hasExceptionEvent } from './exception-event.js';
export {
  addNanos,
  hrTimeDiffMillis,
  hrTimeDiffNanos,
  hrTimeToMillis,
  hrTimeToNanoString,
  hrTimeToNanos,
  isValidHrTime,
  millisToNanos,
  nanosToHrTime,
} from './hrtime.js';
export {
  type ComponentLogger,
  componentLogger,
  diagLoggerInstalled,
  type LogLevel,
  logLine,
  type TracepointLogger,
} from './logger.js';
export { MEMO_MIN_HIT_RATIO, MEMO_PROBE, MEMO_SKIP, MemoWatch } from './memo-watch.js';
export { OptionValidator, shownValue } from './option-validation.js';
export { attributesPending, settleResources, startSettling } from './resource-settling.js';
export type { SpanBatchStage } from './span-batch-stage.js';
export { type StatusCodeName, spanKindName, statusCodeName } from './span-names.js';
export type { SpanLike, TimedEventLike } from './span-shape.js';
export {
  OVERFLOW_VALUE,
  SKETCH_GAMMA,
  SKETCH_LOG_GAMMA,
  SKETCH_RELATIVE_ACCURACY,
  type StatsRecord,
  type StatType,
} from './stats-record.js';
export { withTracingSuppressed } from './suppress-tracing.js';
