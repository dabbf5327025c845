import { RowBinaryWriter } from './row-binary-writer.js';
import type { SpareBuffers } from './spare-buffers.js';
import type { TextRepairs } from './well-formed-text.js';

/**
 * Lines become bytes in pieces of about this many characters. One Buffer.from
 * over a whole batch's joined text (16 MB at 10k spans/s and a 2 s flush
 * interval) blocked the event loop for about 110 ms, and held every row as a
 * JavaScript string until then; in 64 KB pieces the same bytes take about
 * 7 ms in all, spread over the turns that encode the rows, and wait off the
 * JavaScript heap.
 */
export const ROW_CHUNK_CHARS = 64 * 1024;

/** A run of a batch's rows: `[from, to)` in append order. */
export interface RowRange {
  readonly from: number;
  readonly to: number;
}

/** Encoded rows as TableWriter inserts them: any run of rows can be sent on its own. */
export interface InsertBody {
  /** UTC day of each row. */
  readonly days: readonly number[];
  /** Size of the appended rows (what the queue limits count). */
  readonly bytes: number;
  readonly rows: number;
  /** Sent once before the rows of an insert (RowBinaryWithNamesAndTypes' names and types); none for JSON. */
  readonly header?: Uint8Array;
  /** The bytes of rows `[from, to)`, as views. */
  body(range: RowRange, out?: Uint8Array[]): Uint8Array[];
  /** One row as text, for logs. */
  line(row: number): string;
}

/**
 * Encoded rows for one table, in the order appended: the insert body as
 * UTF-8 chunks that each hold whole lines, and the UTC day (partition) of
 * each row. Any run of rows can be sent on its own (partition splits,
 * bisection of bad rows) without copying the bytes.
 */
export class RowBatch implements InsertBody {
  /** UTC day of each row. */
  readonly days: number[] = [];
  /** Size in characters of the appended lines (what the queue limits count). */
  bytes = 0;
  private readonly chunks: Buffer[] = [];
  /** Index of each chunk's first row. */
  private readonly chunkFirstRow: number[] = [];
  /** Byte offset in its chunk where each sealed row ends. */
  private readonly rowEnds: number[] = [];
  private open: string[] = [];
  private openChars = 0;

  get rows(): number {
    return this.days.length;
  }

  /** Adds one encoded line (with its newline); returns its size. */
  append(line: string, day: number): number {
    this.days.push(day);
    this.open.push(line);
    this.openChars += line.length;
    this.bytes += line.length;
    if (this.openChars >= ROW_CHUNK_CHARS) this.seal();
    return line.length;
  }

  /** The bytes of rows `[from, to)`, as views on the chunks. */
  body(range: RowRange, out: Uint8Array[] = []): Uint8Array[] {
    this.seal();
    if (range.from >= range.to) return out;
    for (let chunk = this.chunkOf(range.from); chunk < this.chunks.length; chunk++) {
      const first = this.chunkFirstRow[chunk] as number;
      if (first >= range.to) break;
      const bytes = this.chunks[chunk] as Buffer;
      const nextFirst = this.chunkFirstRow[chunk + 1] ?? this.rows;
      const start = range.from > first ? this.rowEnds[range.from - 1] : 0;
      const end = range.to < nextFirst ? this.rowEnds[range.to - 1] : bytes.length;
      out.push(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
    }
    return out;
  }

  /** One row's line, decoded (for logs). */
  line(row: number): string {
    return Buffer.concat(this.body({ from: row, to: row + 1 })).toString('utf8');
  }

  /** Encodes the lines not yet in a chunk. */
  private seal(): void {
    const lines = this.open;
    if (lines.length === 0) return;
    const text = lines.join('');
    const chunk = Buffer.from(text);
    this.chunkFirstRow.push(this.rows - lines.length);
    this.chunks.push(chunk);
    // ASCII text (nearly always: JSON.stringify escapes nothing else, but UTF-8 stays raw) has
    // one byte per character; otherwise each line is measured.
    const ascii = chunk.length === text.length;
    let end = 0;
    for (const line of lines) {
      end += ascii ? line.length : Buffer.byteLength(line);
      this.rowEnds.push(end);
    }
    this.open = [];
    this.openChars = 0;
  }

  private chunkOf(row: number): number {
    let low = 0;
    let high = this.chunkFirstRow.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.chunkFirstRow[mid] as number) <= row) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/**
 * Rows in RowBinary, in the order appended: one RowBinaryWriter whose Buffer
 * grows by doubling, that the encoder writes each row into directly (a row
 * used to be encoded into a buffer of its own and copied here: 1.6 µs per span
 * in an app's profile), the offset where each row ends, and the UTC day of
 * each row. The header (column names and the table's types) goes before the
 * rows of every insert made of them.
 */
export class BinaryRowBatch implements InsertBody {
  readonly days: number[] = [];
  /** Where rows are written; `endRow` marks where each one ends. */
  readonly writer: RowBinaryWriter;
  private readonly rowEnds: number[] = [];

  /**
   * `repairs`: where the writer counts the lone surrogates it replaced;
   * `spares`: where the writer's Buffer comes from and goes back to (`release`).
   */
  constructor(
    readonly header: Uint8Array,
    capacity = 64 * 1024,
    repairs: TextRepairs = { loneSurrogatesReplaced: 0 },
    private readonly spares?: SpareBuffers,
  ) {
    this.writer = new RowBinaryWriter(repairs, spares === undefined ? capacity : spares.take(capacity));
  }

  /**
   * The batch's insert has ended (written or given up): its Buffer goes back to
   * the spares, and the batch holds no rows any more, so a late read finds
   * none rather than the next batch's bytes.
   */
  release(): void {
    const { buffer, length } = this.writer;
    this.writer.buffer = EMPTY;
    this.writer.reset();
    this.rowEnds.length = 0;
    this.days.length = 0;
    this.spares?.give(buffer, length);
  }

  get rows(): number {
    return this.days.length;
  }

  get bytes(): number {
    return this.writer.length;
  }

  /** The row written into `writer` since the previous one ends here; it is filed under `day`. */
  endRow(day: number): void {
    this.rowEnds.push(this.writer.length);
    this.days.push(day);
  }

  /** Adds one encoded row (copied); returns its size. */
  append(row: Uint8Array, day: number): number {
    this.writer.bytes(row);
    this.endRow(day);
    return row.length;
  }

  body(range: RowRange, out: Uint8Array[] = []): Uint8Array[] {
    if (range.from >= range.to) return out;
    const start = range.from === 0 ? 0 : (this.rowEnds[range.from - 1] as number);
    out.push(this.writer.buffer.subarray(start, this.rowEnds[range.to - 1]));
    return out;
  }

  /** One row's bytes as text (strings readable, numbers and lengths as control bytes), for logs. */
  line(row: number): string {
    const [bytes] = this.body({ from: row, to: row + 1 });
    const text = Buffer.from(bytes ?? []).toString('utf8');
    let out = '';
    for (const char of text) out += char < ' ' ? '·' : char;
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

/** The number of rows in these ranges. */
export function rowCount(ranges: readonly RowRange[]): number {
  let count = 0;
  for (const range of ranges) count += range.to - range.from;
  return count;
}

/** The first `count` rows of these ranges, and the rest. */
export function splitRanges(ranges: readonly RowRange[], count: number): [RowRange[], RowRange[]] {
  const head: RowRange[] = [];
  const tail: RowRange[] = [];
  let left = count;
  for (const range of ranges) {
    const size = range.to - range.from;
    if (left >= size) head.push(range);
    else if (left <= 0) tail.push(range);
    else {
      head.push({ from: range.from, to: range.from + left });
      tail.push({ from: range.from + left, to: range.to });
    }
    left -= size;
  }
  return [head, tail];
}
