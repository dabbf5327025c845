export {
  ExportingSpanProcessor,
  type ExportingStats,
  type SpanExporterLike,
} from './exporting-span-processor.js';
export {
  type TracepointOptions,
  type TracepointPipeline,
  tracepointSpanProcessors,
} from './tracepoint-processors.js';
