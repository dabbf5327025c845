export {
  AGGREGATOR_DEFAULTS,
  type AggregatorOptions,
  resolveAggregatorConfig,
  type StatsSink,
} from './aggregator-options.js';
export { AggregatorSpanProcessor, type AggregatorStats } from './aggregator-span-processor.js';
export { LogSketch, type SketchMemory } from './log-sketch.js';
export { samplingWeight } from './sampling-weight.js';
