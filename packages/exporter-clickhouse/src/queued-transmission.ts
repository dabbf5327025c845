import type { SpanLike } from '@tracepoint/core';
import type { BinarySpanRows, SpanRowSink } from './span-rows.js';
import type { ExportResultLike, Transmission, TransmissionContext } from './transmission.js';

/**
 * What the async and push transmissions share: an export's rows are queued
 * and it reports success at once; rows past maxQueueBytes (queued or in
 * flight) are dropped and counted, and the export reports how many.
 */
export abstract class QueuedTransmission implements Transmission, SpanRowSink {
  /** Bytes of rows queued or being inserted; each transmission subtracts them when their insert ends. */
  protected queuedBytes = 0;

  constructor(protected readonly context: TransmissionContext) {}

  async send(spans: readonly SpanLike[]): Promise<ExportResultLike> {
    return this.sendNow(spans);
  }

  /** `send` without a promise: queueing rows never waits (an export per event-loop turn pays no promise chain). */
  sendNow(spans: readonly SpanLike[]): ExportResultLike {
    const dropped = this.context.encoder.encode(spans, this);
    this.encoded();
    if (dropped === 0) return { code: 0 };
    return {
      code: 1,
      error: new Error(
        `ClickHouse exporter queue is full (maxQueueBytes ${this.context.config.maxQueueBytes}); dropped ${dropped} of ${spans.length} spans`,
      ),
    };
  }

  add(row: string, day: number, withTracePoints: boolean): boolean {
    if (this.queuedBytes >= this.context.config.maxQueueBytes) return false;
    this.queuedBytes += this.queue(row, day, withTracePoints);
    return true;
  }

  binaryRows(): BinarySpanRows | undefined {
    if (this.queuedBytes >= this.context.config.maxQueueBytes) return undefined;
    return this.binaryBatch();
  }

  binaryAdded(bytes: number): void {
    this.queuedBytes += bytes;
    this.binaryQueued();
  }

  abstract flush(): Promise<void>;

  /** One export's spans were encoded (all of them, or as many as fitted). */
  protected encoded(): void {}

  abstract close(): void;

  /** Queues one span's JSON row; returns its size. */
  protected abstract queue(row: string, day: number, withTracePoints: boolean): number;

  /** The batch the next RowBinary row is written into. */
  protected abstract binaryBatch(): BinarySpanRows;

  /** A RowBinary row was written into the batch binaryBatch gave. */
  protected abstract binaryQueued(): void;
}
