import { OptionValidator, type SpanBatchStage } from '@tracepoint/core';
import {
  ClickHouseSpanExporter,
  type ClickHouseSpanExporterOptions,
  ExportingSpanProcessor,
} from '@tracepoint/exporter-clickhouse';
import { type AggregatorOptions, AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { type CleanerOptions, CleanerSpanProcessor } from '@tracepoint/processor-cleaner';
import {
  CallerSpanProcessor,
  type CallerSpanProcessorOptions,
  createSpanMapper,
  type SpanMappingOptions,
} from '@tracepoint/semantic-mapping';

export interface TracepointOptions {
  /**
   * Options of the ClickHouse exporter without `mapping` (the top-level one is used), or a ready
   * exporter (then its lifecycle is still ours: shut down with the SDK; build it with the same
   * `mapping` object given here, or none in both, so its trace points agree with the stats).
   */
  exporter?: Omit<ClickHouseSpanExporterOptions, 'mapping'> | ClickHouseSpanExporter;
  /** Cleaner options; false leaves spans as they are. */
  cleaner?: CleanerOptions | false;
  /** Aggregator options without `sink` (the exporter) and `mapping` (the top-level one); false writes no `trace_point_stats`. */
  aggregator?: Omit<AggregatorOptions, 'sink' | 'mapping'> | false;
  /**
   * Options of @tracepoint/semantic-mapping for the trace points and the stats alike: both stages
   * share one mapper, so each span is mapped once and its stats rows and trace points name the
   * same components and service.
   */
  mapping?: SpanMappingOptions;
  /** Caller attribution options; false skips it (trace points then name callers by address). */
  caller?: CallerSpanProcessorOptions | false;
  /**
   * Clean and aggregate spans in the exporter's hand-off batches (every
   * HAND_OFF_DELAY_MILLIS, or HAND_OFF_SPANS spans) instead of inside each
   * span's end: about half the CPU for those two stages, since they then run
   * on warm caches (see SpanBatchStage in @tracepoint/core). Only when no
   * span processor registered after these reads the spans: it would see them
   * before they are cleaned. Default false; the add-on (`register`) sets it
   * unless it also exports to OTLP (`TRACEPOINT_DEFERRED=off` switches it off).
   */
  deferred?: boolean;
}

export interface TracepointPipeline {
  /** For `new NodeSDK({ spanProcessors })` or a TracerProvider, in this order. */
  spanProcessors: object[];
  exporter: ClickHouseSpanExporter;
  cleaner: CleanerSpanProcessor | undefined;
  aggregator: AggregatorSpanProcessor | undefined;
}

const check: OptionValidator = new OptionValidator('node');

/** A per-stage mapping would let the stats and the trace points disagree, and map each span twice. */
function refuseStageMapping(stage: 'exporter' | 'aggregator', stageOptions: unknown): void {
  if (
    stageOptions === null ||
    typeof stageOptions !== 'object' ||
    stageOptions instanceof ClickHouseSpanExporter
  )
    return;
  if ((stageOptions as { mapping?: unknown }).mapping === undefined) return;
  check.fail(
    `${stage}.mapping`,
    'is not taken by tracepointSpanProcessors: give the top-level option mapping, which the aggregator and the exporter share',
  );
}

/**
 * tracepoint's span processors in the order they must run: caller
 * attribution (onStart), the cleaner (in place, while spans end), the
 * aggregator (every cleaned span, before sampling), then the exporter. With
 * `deferred`, the cleaner and the aggregator run in that order on the
 * exporter's hand-off batches instead.
 */
export function tracepointSpanProcessors(options: TracepointOptions = {}): TracepointPipeline {
  refuseStageMapping('exporter', options.exporter);
  refuseStageMapping('aggregator', options.aggregator);
  const deferred = check.boolean('deferred', options.deferred, false);
  const mapping = options.mapping;
  // Validates the mapping before any stage is built; both stages get this same mapper from it.
  createSpanMapper(mapping);
  const exporter =
    options.exporter instanceof ClickHouseSpanExporter
      ? options.exporter
      : new ClickHouseSpanExporter({ ...options.exporter, mapping });
  const cleaner = options.cleaner === false ? undefined : new CleanerSpanProcessor(options.cleaner);
  const aggregator =
    options.aggregator === false
      ? undefined
      : new AggregatorSpanProcessor({ ...options.aggregator, mapping, sink: exporter });
  const spanProcessors: object[] = [];
  if (options.caller !== false) spanProcessors.push(new CallerSpanProcessor(options.caller));
  // Deferred, the cleaner stays registered for onStart (drop rules decided at start) and the
  // aggregator, which does nothing at start, is only called by the hand-off, after the cleaner.
  const stages: SpanBatchStage[] = [];
  if (cleaner !== undefined) {
    spanProcessors.push(cleaner);
    if (deferred) stages.push(cleaner.deferToHandOff());
  }
  if (aggregator !== undefined) {
    if (deferred) stages.push(aggregator.deferToHandOff());
    else spanProcessors.push(aggregator);
  }
  const feeders = aggregator === undefined ? [] : [aggregator];
  spanProcessors.push(new ExportingSpanProcessor(exporter, feeders, stages));
  return { spanProcessors, exporter, cleaner, aggregator };
}
