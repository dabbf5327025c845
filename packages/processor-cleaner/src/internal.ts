// `@tracepoint/processor-cleaner/internal`: the parts the package's tests reach into (resolved
// options, the built-in drop rules, the query-literal scanner, the built-in key pattern, the
// truncation marker, the detectors and their prefilter, the redactor, the value cleaner, the id fix). Not a stable API: any name here may change or go in any release.
// Users import from `@tracepoint/processor-cleaner`.
export { type ResolvedCleanerConfig, resolveCleanerConfig } from './cleaner-options.js';
export { CleanerStats } from './cleaner-stats.js';
export { HEALTH_CHECK_RULES, STATIC_ASSET_RULES } from './drop-rules.js';
export {
  mayBeSignKeyword,
  type QueryDialect,
  queryDialectOf,
  redactQueryLiterals,
  SIGN_KEYWORDS,
} from './query-literals.js';
export { Redactor } from './redactor.js';
export {
  DETECTORS,
  type Detector,
  type Masker,
  PARAM_BOUNDARY,
  PARAM_NAME_CHAR,
  PARAM_VALUE_END,
  paramClass,
} from './secret-detectors.js';
export { BUILT_IN_BLOCKED_KEY } from './secret-keys.js';
export { fixedSpanContext } from './span-anomalies.js';
export { URL_TEMPLATE_KEY } from './span-cleaner.js';
export { emptyFeatures, numberFeatures, textFeatures } from './text-features.js';
export { truncationMarker, ValueCleaner } from './value-cleaner.js';
