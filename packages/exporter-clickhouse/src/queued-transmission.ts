import type { SpanLike } from '@tracepoint/core';
import type { SpanRowSink } from './span-rows.js';
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
    const dropped = this.context.encoder.encode(spans, this);
    if (dropped === 0) return { code: 0 };
    return {
      code: 1,
      error: new Error(
        `ClickHouse exporter queue is full (maxQueueBytes ${this.context.config.maxQueueBytes}); dropped ${dropped} of ${spans.length} spans`,
      ),
    };
  }

  add(row: string | Uint8Array, day: number, withTracePoints: boolean): boolean {
    if (this.queuedBytes >= this.context.config.maxQueueBytes) return false;
    this.queuedBytes += this.queue(row, day, withTracePoints);
    return true;
  }

  abstract flush(): Promise<void>;

  abstract close(): void;

  /** Queues one span's row; returns its size. */
  protected abstract queue(row: string | Uint8Array, day: number, withTracePoints: boolean): number;
}
