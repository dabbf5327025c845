// The public surface. What only tests need is in ./internal.ts
// (`@tracepoint/processor-aggregator/internal`), which may change in any release.
export { AGGREGATOR_DEFAULTS, type AggregatorOptions, type StatsSink } from './aggregator-options.js';
export { AggregatorSpanProcessor, type AggregatorStats } from './aggregator-span-processor.js';
