import {
  ClickHouseSpanExporter,
  type ClickHouseSpanExporterOptions,
  ExportingSpanProcessor,
} from '@tracepoint/exporter-clickhouse';
import { type AggregatorOptions, AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { type CleanerOptions, CleanerSpanProcessor } from '@tracepoint/processor-cleaner';
import { CallerSpanProcessor, type CallerSpanProcessorOptions } from '@tracepoint/semantic-mapping';

export interface TracepointOptions {
  /** Options of the ClickHouse exporter, or a ready one (then its lifecycle is still ours: shut down with the SDK). */
  exporter?: ClickHouseSpanExporterOptions | ClickHouseSpanExporter;
  /** Cleaner options; false leaves spans as they are. */
  cleaner?: CleanerOptions | false;
  /** Aggregator options (its sink is the exporter); false writes no `trace_point_stats`. */
  aggregator?: Omit<AggregatorOptions, 'sink'> | false;
  /** Caller attribution options; false skips it (trace points then name callers by address). */
  caller?: CallerSpanProcessorOptions | false;
}

export interface TracepointPipeline {
  /** For `new NodeSDK({ spanProcessors })` or a TracerProvider, in this order. */
  spanProcessors: object[];
  exporter: ClickHouseSpanExporter;
  cleaner: CleanerSpanProcessor | undefined;
  aggregator: AggregatorSpanProcessor | undefined;
}

/**
 * tracepoint's span processors in the order they must run: caller
 * attribution (onStart), the cleaner (in place, while spans end), the
 * aggregator (every cleaned span, before sampling), then the exporter.
 */
export function tracepointSpanProcessors(options: TracepointOptions = {}): TracepointPipeline {
  const exporter =
    options.exporter instanceof ClickHouseSpanExporter
      ? options.exporter
      : new ClickHouseSpanExporter(options.exporter);
  const cleaner = options.cleaner === false ? undefined : new CleanerSpanProcessor(options.cleaner);
  const aggregator =
    options.aggregator === false
      ? undefined
      : new AggregatorSpanProcessor({ ...options.aggregator, sink: exporter });
  const spanProcessors: object[] = [];
  if (options.caller !== false) spanProcessors.push(new CallerSpanProcessor(options.caller));
  if (cleaner !== undefined) spanProcessors.push(cleaner);
  if (aggregator !== undefined) spanProcessors.push(aggregator);
  spanProcessors.push(new ExportingSpanProcessor(exporter, aggregator === undefined ? [] : [aggregator]));
  return { spanProcessors, exporter, cleaner, aggregator };
}
