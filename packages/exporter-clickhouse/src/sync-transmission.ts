import type { SpanLike } from '@tracepoint/core';
import { toError } from './insert-error.js';
import type { ExportResultLike, Transmission, TransmissionContext } from './transmission.js';

/** sync mode: each export encodes its spans and awaits their insert; nothing waits in between. */
export class SyncTransmission implements Transmission {
  constructor(private readonly context: TransmissionContext) {}

  async send(spans: readonly SpanLike[]): Promise<ExportResultLike> {
    const { startUp, stats, encoder, writes } = this.context;
    const started = await startUp.start().catch((error: unknown) => {
      stats.spansFailed += spans.length;
      throw error;
    });
    const rows = encoder.newRows();
    encoder.encode(spans, rows);
    try {
      await writes.write(started.writer, started.spans, rows, this.context.nextToken());
      return { code: 0 };
    } catch (error) {
      return { code: 1, error: toError(error) };
    } finally {
      encoder.release(rows);
    }
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}
