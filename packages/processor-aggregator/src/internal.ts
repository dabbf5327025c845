// `@tracepoint/processor-aggregator/internal`: the parts the package's tests reach into (resolved
// options, the latency sketch, the sampling weight of a span). Not a stable API: any name here may
// change or go in any release. Users import from `@tracepoint/processor-aggregator`.
export { resolveAggregatorConfig } from './aggregator-options.js';
export { LogSketch, type SketchMemory } from './log-sketch.js';
export { samplingWeight } from './sampling-weight.js';
