// The public surface. What only tests need is in ./internal.ts
// (`@tracepoint/processor-cleaner/internal`), which may change in any release.
export {
  CLEANER_DEFAULTS,
  type CleanerOptions,
  type DropRule,
  type PathPattern,
  type RedactionMode,
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
export { pathPatternsFromText } from './path-patterns.js';
export { ANOMALIES_KEY, CLOCK_SHIFT_KEY, ORIGINAL_DURATION_KEY } from './span-cleaner.js';
