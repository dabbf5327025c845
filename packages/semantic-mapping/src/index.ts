export { attributesToStringMap, attributeValueToString } from './attribute-value.js';
export {
  type CallerEntry,
  decodeCallerEntry,
  encodeCallerEntry,
  MAX_CALLER_COMPONENT,
  MAX_CALLER_METHOD,
  MAX_ENTRY_LENGTH,
  TRACESTATE_KEY,
} from './caller-entry.js';
export { CallerPropagator, type CallerPropagatorOptions } from './caller-propagator.js';
export { CallerSpanProcessor, type CallerSpanProcessorOptions } from './caller-span-processor.js';
export {
  mapSpanResolved,
  methodOfSpan,
  targetComponentOfSpan,
  UNKNOWN,
  UNKNOWN_SERVICE,
} from './map-span.js';
export { type MappingRule, METHOD_RULES, type RuleExample, TARGET_COMPONENT_RULES } from './mapping-rules.js';
export { isVariableSegment, PATH_PLACEHOLDER, pathOfUrl, templatePath } from './path-template.js';
export { renderMappingRulesTable } from './rules-table.js';
export { createSpanMapper, forgetSpanMapping, mapSpan, type SpanMapper } from './span-mapper.js';
export {
  DEFAULT_PARAM_ATTRIBUTES,
  type InternalSpanMode,
  PARAMS_DROPPED_KEY,
  type ResolvedSpanMappingOptions,
  resolveSpanMappingOptions,
  SPAN_MAPPING_DEFAULTS,
  type SpanMappingOptions,
} from './span-mapping-options.js';
export type { TracePoint, TracePointException, TraceType } from './trace-point.js';
