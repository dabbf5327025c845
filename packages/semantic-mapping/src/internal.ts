// `@tracepoint/semantic-mapping/internal`: the parts the package's tests, its docs script and the
// other packages' tests reach into (the caller entry codec, the rule objects, resolved options,
// the single-field mappers, the text joiner). Not a stable API: any name here may change or go in any release.
// Users import from `@tracepoint/semantic-mapping`.
export { attributesToStringMap } from './attribute-value.js';
export {
  type CallerEntry,
  decodeCallerEntry,
  encodeCallerEntry,
  MAX_CALLER_COMPONENT,
  MAX_CALLER_METHOD,
  MAX_ENTRY_LENGTH,
  TRACESTATE_KEY,
} from './caller-entry.js';
export { TextJoiner } from './joined-text.js';
export { mapSpanResolved, methodOfSpan, targetComponentOfSpan } from './map-span.js';
export { type MappingRule, METHOD_RULES, type RuleExample, TARGET_COMPONENT_RULES } from './mapping-rules.js';
export { renderMappingRulesTable } from './rules-table.js';
export {
  DEFAULT_PARAM_ATTRIBUTES,
  type ResolvedSpanMappingOptions,
  resolveSpanMappingOptions,
} from './span-mapping-options.js';
