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

/**
 * Encoded rows for one table, in the order appended: the insert body as
 * UTF-8 chunks that each hold whole lines, and the UTC day (partition) of
 * each row. Any run of rows can be sent on its own (partition splits,
 * bisection of bad rows) without copying the bytes.
 */
export class RowBatch {
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
  body(range: RowRange, out: Buffer[] = []): Buffer[] {
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
