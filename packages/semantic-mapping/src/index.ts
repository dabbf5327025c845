// The public surface. What only tests, the docs script and the benchmarks need is in ./internal.ts
// (`@tracepoint/semantic-mapping/internal`), which may change in any release.
export { attributeValueToString } from './attribute-value.js';
export { CallerPropagator, type CallerPropagatorOptions } from './caller-propagator.js';
export { CallerSpanProcessor, type CallerSpanProcessorOptions } from './caller-span-processor.js';
export { UNKNOWN, UNKNOWN_SERVICE } from './map-span.js';
export {
  PATH_SEGMENT_RULES,
  type PathSegmentRule,
  renderPathSegmentRulesTable,
  templateSegments,
} from './path-segment-rules.js';
export { isVariableSegment, PATH_PLACEHOLDER, pathOfUrl, templatePath } from './path-template.js';
export { createSpanMapper, forgetSpanMapping, mapSpan, type SpanMapper } from './span-mapper.js';
export {
  type InternalSpanMode,
  PARAMS_DROPPED_KEY,
  SPAN_MAPPING_DEFAULTS,
  type SpanMappingOptions,
} from './span-mapping-options.js';
export type { TracePoint, TracePointException, TraceType } from './trace-point.js';
