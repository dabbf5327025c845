/** What the cleaner counted since it started; names only, never values. */
export interface CleanerStatsSnapshot {
  /** Spans the cleaner saw end. */
  spans: number;
  /** Spans cleaned in place (`onEnding`, or `onEnd` on SDKs without it) and as copies (`next` mode). */
  cleanedInPlace: number;
  cleanedCopies: number;
  /** Dropped spans per rule; a dropped subtree counts every span in it under the rule that dropped its root. */
  dropped: Record<string, number>;
  /** Spans a rule matched at end but that were kept because a local child was kept. */
  keptForChildren: Record<string, number>;
  /** Fixes per kind (`duration.negative`, `value.nonFinite`, `fill.status`, …). */
  fixes: Record<string, number>;
  /** Redacted values per rule (`blockedKey`, `email`, `queryLiterals`, …). */
  redactions: Record<string, number>;
  /** Errors caught inside the cleaner or thrown by `next`, whatever became of the span. */
  internalErrors: number;
  /**
   * Spans whose cleaning failed: passed on with every attribute value masked
   * (`[REDACTED:cleanerFailed]`), or dropped (under `dropped.cleanerFailed`)
   * when not even that could be done. Never passed on as they were.
   */
  failedClosed: number;
  /** Spans in place that could be neither masked nor dropped (their fields and attribute objects are frozen). */
  passedUncleaned: number;
}

/** Counters for the hot path: plain fields and small maps keyed by rule name. */
export class CleanerStats {
  spans = 0;
  cleanedInPlace = 0;
  cleanedCopies = 0;
  internalErrors = 0;
  failedClosed = 0;
  passedUncleaned = 0;
  private readonly dropped = new Map<string, number>();
  private readonly keptForChildren = new Map<string, number>();
  private readonly fixes = new Map<string, number>();
  private readonly redactions = new Map<string, number>();

  drop(rule: string): void {
    this.dropped.set(rule, (this.dropped.get(rule) ?? 0) + 1);
  }

  keep(rule: string): void {
    this.keptForChildren.set(rule, (this.keptForChildren.get(rule) ?? 0) + 1);
  }

  fix(kind: string, count = 1): void {
    this.fixes.set(kind, (this.fixes.get(kind) ?? 0) + count);
  }

  redact(rule: string): void {
    this.redactions.set(rule, (this.redactions.get(rule) ?? 0) + 1);
  }

  snapshot(): CleanerStatsSnapshot {
    return {
      spans: this.spans,
      cleanedInPlace: this.cleanedInPlace,
      cleanedCopies: this.cleanedCopies,
      dropped: Object.fromEntries(this.dropped),
      keptForChildren: Object.fromEntries(this.keptForChildren),
      fixes: Object.fromEntries(this.fixes),
      redactions: Object.fromEntries(this.redactions),
      internalErrors: this.internalErrors,
      failedClosed: this.failedClosed,
      passedUncleaned: this.passedUncleaned,
    };
  }
}
