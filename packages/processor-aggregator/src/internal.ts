// `@tracepoint/processor-aggregator/internal`: the parts the package's tests reach into (resolved
// options, the interval table and its key index, the memory account, the latency sketch, the
// sampling weight of a span). Not a stable API: any name here may change or go in any release.
// Users import from `@tracepoint/processor-aggregator`.
export { resolveAggregatorConfig } from './aggregator-options.js';
export { type Dimensions, IntervalTable, type OverflowCounts } from './interval-table.js';
export { KeyIndex } from './key-index.js';
export { LogSketch, type SketchMemory } from './log-sketch.js';
export { MemoryAccount } from './memory-account.js';
export * as memoryCosts from './memory-costs.js';
export { samplingWeight } from './sampling-weight.js';
