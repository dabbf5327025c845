// `@tracepoint/processor-cleaner/internal`: the parts the package's tests reach into (resolved
// options, the built-in drop rules, the query-literal scanner, the built-in key pattern, the
// truncation marker). Not a stable API: any name here may change or go in any release.
// Users import from `@tracepoint/processor-cleaner`.
export { type ResolvedCleanerConfig, resolveCleanerConfig } from './cleaner-options.js';
export { HEALTH_CHECK_RULES, STATIC_ASSET_RULES } from './drop-rules.js';
export { type QueryDialect, queryDialectOf, redactQueryLiterals } from './query-literals.js';
export { BUILT_IN_BLOCKED_KEY } from './secret-keys.js';
export { URL_TEMPLATE_KEY } from './span-cleaner.js';
export { truncationMarker } from './value-cleaner.js';
