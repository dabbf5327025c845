export {
  CLEANER_DEFAULTS,
  type CleanerOptions,
  type DropRule,
  type PathPattern,
  type RedactionMode,
  type ResolvedCleanerConfig,
  resolveCleanerConfig,
  type SpanKindName,
  type TextPattern,
} from './cleaner-options.js';
export {
  CleanerSpanProcessor,
  type CleanerSpanProcessorOptions,
  type SpanProcessorLike,
} from './cleaner-span-processor.js';
export type { CleanerStatsSnapshot } from './cleaner-stats.js';
export { DETECTOR_NAMES, type DetectorName } from './detector-names.js';
export { HEALTH_CHECK_RULES, STATIC_ASSET_RULES } from './drop-rules.js';
export { type QueryDialect, queryDialectOf, redactQueryLiterals } from './query-literals.js';
export { BUILT_IN_BLOCKED_KEY } from './secret-keys.js';
export {
  ANOMALIES_KEY,
  CLOCK_SHIFT_KEY,
  ORIGINAL_DURATION_KEY,
  URL_TEMPLATE_KEY,
} from './span-cleaner.js';
export { truncationMarker } from './value-cleaner.js';
