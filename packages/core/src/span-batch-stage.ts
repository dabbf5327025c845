import type { SpanLike } from './span-shape.js';

/**
 * Work done on ended spans in batches at the exporter's hand-off instead of
 * inside each span's end: the cleaner and the aggregator of a deferred
 * pipeline. Run span by span between the app's own work, their code and
 * memos ran on caches the app had evicted; in the add-on's bench app at 300
 * requests/s the cleaner took 12-16 µs and the aggregator 7-10 µs of wall time
 * per span that way, against 4.5-5.5 and 2.6-3.8 in the hand-off's batches
 * (four interleaved rounds, performance.now around each). The whole app, both
 * wirings run side by side under the same load (so under the same machine
 * noise): 0.916-0.948x the app CPU per request deferred, median 0.925 over 6
 * rounds (app-overhead benchmark, side by side), about 12 µs per span. In a
 * replay loop with no app work between spans (the pipeline benchmark's stage
 * (h)) the two cost the same.
 *
 * A stage never throws: a span it cannot handle is dealt with and counted by
 * the stage itself.
 */
export interface SpanBatchStage {
  /**
   * `endedAtMillis[i]` is `Date.now()` when `spans[i]` ended: the clock the
   * span's times are judged against, as if it were handled then.
   */
  processBatch(spans: readonly SpanLike[], endedAtMillis: Float64Array): void;
}
