import type { SpanLike } from '@tracepoint/core';
import { mapSpanResolved, serviceOfSpan } from './map-span.js';
import {
  type ResolvedSpanMappingOptions,
  resolveSpanMappingOptions,
  type SpanMappingOptions,
} from './span-mapping-options.js';
import type { TracePoint } from './trace-point.js';

/**
 * Turns ended spans into trace points with one set of options, validated
 * once. There is one mapper per options object (and one for no options):
 * `createSpanMapper` gives the same mapper back, so stages built from the
 * same options share it.
 */
export interface SpanMapper {
  /** The span's trace points; the same array when the span was mapped before. Treat it as read-only. */
  (span: SpanLike): TracePoint[];
  /** The service the span's points and every stats row of it name (`serviceName`, else the resource's). */
  serviceOf(span: SpanLike): string;
  /** Spans this mapper has mapped; a span whose points it found on the span is not counted again. */
  readonly spansMapped: number;
}

const resolvedCache = new WeakMap<SpanMappingOptions, ResolvedSpanMappingOptions>();
const DEFAULT_OPTIONS = resolveSpanMappingOptions();

function resolvedOnce(options: SpanMappingOptions | undefined): ResolvedSpanMappingOptions {
  if (options === undefined) return DEFAULT_OPTIONS;
  let resolved = resolvedCache.get(options);
  if (resolved === undefined) {
    resolved = resolveSpanMappingOptions(options);
    resolvedCache.set(options, resolved);
  }
  return resolved;
}

/**
 * The trace points of one finished span (see `mapSpanResolved` for the rules).
 * Options are validated on first use of an options object and cached; a bad
 * option throws a TypeError naming it. For a hot loop, prefer `createSpanMapper`.
 */
export function mapSpan(span: SpanLike, options?: SpanMappingOptions): TracePoint[] {
  return mapSpanResolved(span, resolvedOnce(options));
}

// The points a mapper computed, kept on the span with the mapper that computed them.
const MAPPED_BY = Symbol('tracepoint.mappedBy');
const MAPPED_POINTS = Symbol('tracepoint.mappedPoints');
interface MappedSpan {
  [MAPPED_BY]?: SpanMapper;
  [MAPPED_POINTS]?: TracePoint[];
}

/**
 * Forgets the points a mapper kept on a span, so the next call maps it
 * again and the points can be collected: the last reader of a span's points
 * calls it (the exporter, once the row is written), and so does code that
 * changes a span after mapping it or replays the same span objects
 * (benchmarks). An ended span outlives its export wherever the app's
 * context still holds it: a keep-alive socket keeps the context it was
 * opened in, with its spans, for seconds. Points left on those spans were
 * measured at 0.9 MB promoted to the old generation per scavenge (against
 * 0.2 MB without tracepoint) in an HTTP app at 300 req/s, and the mark-compacts
 * that followed were most of the add-on's GC CPU.
 */
export function forgetSpanMapping(span: SpanLike): void {
  const mapped = span as SpanLike & MappedSpan;
  if (mapped[MAPPED_BY] === undefined) return;
  mapped[MAPPED_BY] = undefined;
  mapped[MAPPED_POINTS] = undefined;
}

function newMapper(resolved: ResolvedSpanMappingOptions): SpanMapper {
  let spansMapped = 0;
  const mapper = ((span: SpanLike): TracePoint[] => {
    const mapped = span as SpanLike & MappedSpan;
    if (mapped[MAPPED_BY] === mapper) return mapped[MAPPED_POINTS] as TracePoint[];
    const points = mapSpanResolved(span, resolved);
    spansMapped++;
    try {
      mapped[MAPPED_BY] = mapper;
      mapped[MAPPED_POINTS] = points;
    } catch {
      // A frozen or proxied span: the next call maps it again.
    }
    return points;
  }) as SpanMapper;
  Object.defineProperties(mapper, {
    serviceOf: { value: (span: SpanLike): string => serviceOfSpan(span, resolved) },
    spansMapped: { get: () => spansMapped },
  });
  return mapper;
}

const mappers = new WeakMap<ResolvedSpanMappingOptions, SpanMapper>();

/**
 * The mapper of these options (none, or one options object), validated on
 * first use. The same options give the same mapper, which keeps each span's
 * points on the span: the aggregator maps a span as it ends and the exporter
 * encodes the points already on it instead of mapping the span a second time.
 * Call it only on ended spans (they no longer change).
 */
export function createSpanMapper(options?: SpanMappingOptions): SpanMapper {
  const resolved = resolvedOnce(options);
  let mapper = mappers.get(resolved);
  if (mapper === undefined) {
    mapper = newMapper(resolved);
    mappers.set(resolved, mapper);
  }
  return mapper;
}
