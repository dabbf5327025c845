import type { SpillRecord } from './spill-record.js';

/**
 * Bounds of one replayed insert made of several spilled records. During an outage each export's
 * rows are spilled at once (about 100 spans per record at 1k spans/s), so one insert per record
 * would replay a 5-minute outage as ~3,000 small inserts (each one part for the server to merge;
 * measured at about 900 spans/s in bench/faults). Runs of records with the same statement go as
 * one insert instead, up to the exporter's default batch bounds. These are constants, not options:
 * a run's boundaries, and so its deduplication token, must come out the same when a restarted
 * process replays the same segment again.
 */
export const SPILL_RUN_LIMITS = { maxBytes: 16 * 1024 * 1024, maxRows: 100_000 } as const;

const ROW_BINARY = ' FORMAT RowBinaryWithNamesAndTypes';
const JSON_LINES = [' FORMAT JSONCompactEachRow', ' FORMAT JSONEachRow'];

/** One insert made of consecutive records: its chunks (later records without their header), rows and token. */
export interface SpillRun {
  readonly records: readonly SpillRecord[];
  readonly statement: string;
  readonly chunks: readonly Uint8Array[];
  readonly rows: number;
  readonly token: string;
}

/**
 * The run starting at `records[from]`: the records after it that were never sent and share its
 * statement and (for binary rows) its names-and-types header, within SPILL_RUN_LIMITS and at most
 * `maxRecords`. A record that was sent (its insert failed, but may have landed), or a statement in
 * another format, goes alone under its own token. Runs start where the previous one ended, from the
 * segment's first record, so the same segment always splits into the same runs.
 */
export function spillRunAt(
  records: readonly SpillRecord[],
  from: number,
  maxRecords = Number.POSITIVE_INFINITY,
): SpillRun {
  const first = records[from] as SpillRecord;
  const chunks: Uint8Array[] = [first.payload];
  const binary = first.table.endsWith(ROW_BINARY);
  // A record that was sent may have landed under its own token: it goes alone, with that token.
  const joinable = first.unsent && (binary || JSON_LINES.some((format) => first.table.endsWith(format)));
  const header = binary ? rowBinaryHeader(first.payload) : undefined;
  let bytes = first.payload.length;
  let rows = first.rows;
  let end = from + 1;
  for (; joinable && end < records.length && end - from < maxRecords; end++) {
    const next = records[end] as SpillRecord;
    if (!next.unsent || next.table !== first.table) break;
    let body = next.payload;
    if (header !== undefined) {
      const own = rowBinaryHeader(next.payload);
      if (own === undefined || !sameBytes(own, header)) break;
      body = next.payload.subarray(own.length);
    }
    if (bytes + body.length > SPILL_RUN_LIMITS.maxBytes || rows + next.rows > SPILL_RUN_LIMITS.maxRows) break;
    chunks.push(body);
    bytes += body.length;
    rows += next.rows;
  }
  const run = records.slice(from, end);
  // The first record's token alone when it goes alone: what it was first sent with.
  const token = run.length === 1 ? first.token : `${first.token}+${run.length}`;
  return { records: run, statement: first.table, chunks, rows, token };
}

/**
 * The names-and-types header at the start of a RowBinaryWithNamesAndTypes body: a LEB128 column
 * count, then that many names, then that many types, each a LEB128 length and bytes. Undefined
 * when the bytes do not hold one.
 */
export function rowBinaryHeader(payload: Uint8Array): Uint8Array | undefined {
  let at = 0;
  const leb128 = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = payload[at++];
      if (byte === undefined) return undefined;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return undefined;
  };
  const columns = leb128();
  if (columns === undefined) return undefined;
  for (let i = 0; i < 2 * columns; i++) {
    const length = leb128();
    if (length === undefined || at + length > payload.length) return undefined;
    at += length;
  }
  return payload.subarray(0, at);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
