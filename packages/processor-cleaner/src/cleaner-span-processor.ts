import type { Context } from '@opentelemetry/api';
import {
  type ComponentLogger,
  componentLogger,
  type SpanBatchStage,
  type SpanLike,
  type TracepointLogger,
} from '@tracepoint/core';
import { type CleanerOptions, resolveCleanerConfig } from './cleaner-options.js';
import { CleanerStats, type CleanerStatsSnapshot } from './cleaner-stats.js';
import { CLEANER_FAILED_RULE, FAILED_MASK, maskAttributesInPlace } from './fail-closed.js';
import { DROP, SpanCleaner } from './span-cleaner.js';
import { applyPatchInPlace, dropInPlace, patchedCopy } from './span-patch-apply.js';

const FAILED_CLOSED = `a span could not be cleaned, so its attribute values were masked as ${FAILED_MASK}`;
const NEXT_THREW = 'the next span processor threw';

/** The span processor shape both SDK lines call; typed structurally so no SDK runtime is imported. */
export interface SpanProcessorLike {
  onStart(span: never, parentContext: Context): void;
  onEnding?(span: never): void;
  onEnd(span: never): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface CleanerSpanProcessorOptions extends CleanerOptions {
  /**
   * Copy mode: hand cleaned copies to this processor (e.g. a
   * BatchSpanProcessor) instead of changing spans in place. Register only
   * the cleaner with the SDK then; it forwards every call.
   */
  next?: SpanProcessorLike;
  /** Where the one-line warnings go; default: diag, and stderr once each (see @tracepoint/core). */
  logger?: TracepointLogger;
}

/**
 * Cleans every span before anything else sees it. In place (default): in
 * `onEnding`, while the span is still mutable; register it first among the
 * span processors. On SDKs that do not call `onEnding` it cleans in `onEnd`,
 * which works as long as it comes first. Copy mode (`next`): the original is
 * left alone and `next` receives a cleaned copy. It never throws into the app.
 */
export class CleanerSpanProcessor {
  private readonly cleaner: SpanCleaner;
  private readonly statsCounter = new CleanerStats();
  private readonly next: SpanProcessorLike | undefined;
  private readonly logger: ComponentLogger;
  private sdkCallsOnEnding = false;
  private deferred = false;
  private warnedError = false;

  constructor(options: CleanerSpanProcessorOptions = {}) {
    this.cleaner = new SpanCleaner(
      resolveCleanerConfig(options),
      this.statsCounter,
      options.next === undefined,
    );
    this.next = options.next;
    this.logger = componentLogger('processor-cleaner', options.logger);
  }

  onStart(span: SpanLike, parentContext: Context): void {
    try {
      this.cleaner.onStart(span, parentContext);
    } catch (error) {
      this.internalError(error, 'span start failed');
    }
    // Called here rather than through a helper taking a closure: no function object per span.
    const next = this.next;
    if (next === undefined) return;
    try {
      next.onStart(span as never, parentContext);
    } catch (error) {
      this.internalError(error, NEXT_THREW);
    }
  }

  onEnding(span: SpanLike): void {
    if (this.next !== undefined || this.deferred) return;
    this.sdkCallsOnEnding = true;
    this.cleanInPlace(span, Date.now());
  }

  onEnd(span: SpanLike): void {
    const next = this.next;
    if (next === undefined) {
      if (!this.sdkCallsOnEnding && !this.deferred) this.cleanInPlace(span, Date.now());
      return;
    }
    let out: SpanLike | undefined = span;
    try {
      const verdict = this.cleaner.clean(span, Date.now());
      if (verdict === DROP) out = undefined;
      else if (verdict !== undefined) {
        out = patchedCopy(span, verdict);
        this.statsCounter.cleanedCopies++;
      }
    } catch (error) {
      out = this.failClosedCopy(span, error);
    }
    if (out === undefined) return;
    try {
      next.onEnd(out as never);
    } catch (error) {
      this.internalError(error, NEXT_THREW);
    }
  }

  forceFlush(): Promise<void> {
    return this.next?.forceFlush() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.next?.shutdown() ?? Promise.resolve();
  }

  /**
   * Stops cleaning while spans end and returns the stage that cleans them in
   * place in batches instead (see SpanBatchStage for the measured reason).
   * Only for a pipeline where that stage runs before anything reads the
   * spans, such as @tracepoint/node's deferred `tracepointSpanProcessors`: a
   * span processor after this one would see spans uncleaned. The processor
   * stays registered for `onStart` (drop rules decided at start, inherited by
   * children). Not in copy mode.
   */
  deferToHandOff(): SpanBatchStage {
    if (this.next !== undefined) {
      throw new Error(
        'processor-cleaner: copy mode (option next) hands cleaned copies on while spans end and cannot be deferred',
      );
    }
    this.deferred = true;
    return { processBatch: (spans, endedAtMillis) => this.cleanBatch(spans, endedAtMillis) };
  }

  /** Counts of drops, fixes and redactions per rule since start (never values). */
  stats(): CleanerStatsSnapshot {
    return this.statsCounter.snapshot();
  }

  private cleanBatch(spans: readonly SpanLike[], endedAtMillis: Float64Array): void {
    for (let i = 0; i < spans.length; i++)
      this.cleanInPlace(spans[i] as SpanLike, endedAtMillis[i] as number);
  }

  private cleanInPlace(span: SpanLike, nowMillis: number): void {
    try {
      const verdict = this.cleaner.clean(span, nowMillis);
      if (verdict === DROP) dropInPlace(span);
      else if (verdict !== undefined) {
        applyPatchInPlace(span, verdict);
        this.statsCounter.cleanedInPlace++;
      }
    } catch (error) {
      this.failClosedInPlace(span, error, nowMillis);
    }
  }

  /**
   * A span whose cleaning threw (a hostile attributes object: a throwing
   * getter, a revoked proxy) goes on masked, never as it was: whatever threw
   * may have stopped the cleaning before the secrets.
   */
  private failClosedInPlace(span: SpanLike, error: unknown, nowMillis: number): void {
    const stats = this.statsCounter;
    this.internalError(error, FAILED_CLOSED);
    try {
      applyPatchInPlace(span, this.cleaner.failClosed(span, nowMillis));
      stats.failedClosed++;
      return;
    } catch {
      // The span's fields cannot be replaced (frozen): mask where the values are, or drop it.
    }
    if (maskAttributesInPlace(span)) {
      stats.failedClosed++;
      return;
    }
    try {
      dropInPlace(span);
      stats.drop(CLEANER_FAILED_RULE);
      stats.failedClosed++;
    } catch {
      stats.passedUncleaned++;
    }
  }

  /** The masked copy of a span whose cleaning threw; undefined (dropped) when not even that can be built. */
  private failClosedCopy(span: SpanLike, error: unknown): SpanLike | undefined {
    const stats = this.statsCounter;
    this.internalError(error, FAILED_CLOSED);
    stats.failedClosed++;
    try {
      return patchedCopy(span, this.cleaner.failClosed(span, Date.now()));
    } catch {
      stats.drop(CLEANER_FAILED_RULE);
      return undefined;
    }
  }

  /** Counted; logged once, since a failure here tends to repeat on every span. */
  private internalError(error: unknown, what: string): void {
    this.statsCounter.internalErrors++;
    if (this.warnedError) return;
    this.warnedError = true;
    this.logger.warn(
      `${what} (${error instanceof Error ? error.message : String(error)}); further errors are only counted in stats().internalErrors and stats().failedClosed`,
    );
  }
}
