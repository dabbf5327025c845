import { crc32c } from '@node-rs/crc32';

/**
 * One spilled insert on disk: a fixed header, the table's name, the insert's
 * deduplication token, then the payload, which is one complete insert body of
 * that table (what the exporter would have sent, so it can be fed to
 * ClickHouse by hand). Little-endian:
 *
 * | bytes | field                                                          |
 * | ----- | -------------------------------------------------------------- |
 * | 4     | magic `TPS1`                                                   |
 * | 4     | payload length                                                 |
 * | 4     | rows in the payload (low 31 bits; for counters, the payload is  |
 * |       | what counts); the top bit is set when the insert was never sent |
 * |       | (it cannot have landed, so it may join a replayed run)          |
 * | 2     | table name length (UTF-8)                                      |
 * | 2     | token length (UTF-8)                                           |
 * | 4     | CRC32C of the lengths and rows, then names, token and payload   |
 * | …     | table name, token, payload                                     |
 *
 * CRC32C (Castagnoli), as Vector's disk buffer and ext4/iSCSI use: it catches
 * every burst of up to 32 flipped bits. The lengths and the row count are
 * covered too; a flipped length also makes the checksum cover the wrong bytes,
 * or the record run past the file's end.
 */
export const SPILL_RECORD_MAGIC = 0x31535054; // 'TPS1' read little-endian
export const SPILL_RECORD_HEADER_BYTES = 20;
/** Longest table name or token a record takes (a u16 length). */
export const SPILL_RECORD_MAX_NAME_BYTES = 0xffff;
const UNSENT_BIT = 0x80000000;
/** Most rows one record holds (the rows word's low 31 bits). */
export const SPILL_RECORD_MAX_ROWS = 0x7fffffff;

export interface SpillRecord {
  readonly table: string;
  readonly token: string;
  readonly rows: number;
  /** Never sent (spilled while the spill held something): it cannot have landed, so it may join a run. */
  readonly unsent: boolean;
  /** A view on the segment's bytes. */
  readonly payload: Uint8Array;
  /** Where the record starts in its segment, and its size on disk. */
  readonly offset: number;
  readonly size: number;
}

/** The record's bytes: header and names in one small Buffer, the payload as given (not copied). */
export function encodeSpillRecord(
  table: string,
  token: string,
  rows: number,
  payload: Uint8Array,
  unsent = false,
): Buffer[] {
  const tableBytes = Buffer.from(table, 'utf8');
  const tokenBytes = Buffer.from(token, 'utf8');
  if (tableBytes.length > SPILL_RECORD_MAX_NAME_BYTES || tokenBytes.length > SPILL_RECORD_MAX_NAME_BYTES)
    throw new RangeError('a spilled table name or token is longer than 65535 bytes');
  if (rows > SPILL_RECORD_MAX_ROWS) throw new RangeError('a spilled insert holds more than 2^31 - 1 rows');
  const head = Buffer.allocUnsafe(SPILL_RECORD_HEADER_BYTES + tableBytes.length + tokenBytes.length);
  head.writeUInt32LE(SPILL_RECORD_MAGIC, 0);
  head.writeUInt32LE(payload.length, 4);
  head.writeUInt32LE(unsent ? (rows | UNSENT_BIT) >>> 0 : rows, 8);
  head.writeUInt16LE(tableBytes.length, 12);
  head.writeUInt16LE(tokenBytes.length, 14);
  tableBytes.copy(head, SPILL_RECORD_HEADER_BYTES);
  tokenBytes.copy(head, SPILL_RECORD_HEADER_BYTES + tableBytes.length);
  const names = head.subarray(SPILL_RECORD_HEADER_BYTES);
  const body = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  head.writeUInt32LE(crc32c(body, crc32c(names, crc32c(head.subarray(4, 16)))), 16);
  return [head, body];
}

export interface SegmentRead {
  readonly records: SpillRecord[];
  /** Stretches of bytes that were no whole record with a matching checksum (bit flips, garbage). */
  readonly corrupted: number;
  /** The segment ends inside a record (a crash while it was written): those bytes are not a record. */
  readonly tornTail: boolean;
}

/**
 * The records of one segment's bytes, in order. A record whose checksum does
 * not match is skipped and counted, and reading goes on at the next magic
 * after its start (its length may be the flipped part); a record that runs past
 * the end is a torn tail. Nothing that failed its checksum is ever returned.
 */
export function readSpillSegment(bytes: Buffer): SegmentRead {
  const records: SpillRecord[] = [];
  let corrupted = 0;
  let tornTail = false;
  let at = 0;
  let inBadStretch = false;
  while (at < bytes.length) {
    if (bytes.length - at < SPILL_RECORD_HEADER_BYTES) {
      // Fewer bytes than a header: a torn tail if they start like one, else garbage.
      if (startsWithMagicPrefix(bytes, at)) tornTail = true;
      else if (!inBadStretch) corrupted++;
      break;
    }
    if (bytes.readUInt32LE(at) !== SPILL_RECORD_MAGIC) {
      if (!inBadStretch) corrupted++;
      inBadStretch = true;
      at = nextMagic(bytes, at + 1);
      continue;
    }
    const payloadLength = bytes.readUInt32LE(at + 4);
    const rowsWord = bytes.readUInt32LE(at + 8);
    const tableLength = bytes.readUInt16LE(at + 12);
    const tokenLength = bytes.readUInt16LE(at + 14);
    const size = SPILL_RECORD_HEADER_BYTES + tableLength + tokenLength + payloadLength;
    if (at + size > bytes.length) {
      // Either the last write was cut short, or a flipped length points past the end: a later
      // magic with a valid record behind it tells them apart.
      const next = nextMagic(bytes, at + 1);
      if (next >= bytes.length) {
        tornTail = true;
        break;
      }
      if (!inBadStretch) corrupted++;
      inBadStretch = true;
      at = next;
      continue;
    }
    const covered = bytes.subarray(at + SPILL_RECORD_HEADER_BYTES, at + size);
    if (crc32c(covered, crc32c(bytes.subarray(at + 4, at + 16))) !== bytes.readUInt32LE(at + 16)) {
      if (!inBadStretch) corrupted++;
      inBadStretch = true;
      at = nextMagic(bytes, at + 1);
      continue;
    }
    inBadStretch = false;
    const namesAt = at + SPILL_RECORD_HEADER_BYTES;
    records.push({
      table: bytes.toString('utf8', namesAt, namesAt + tableLength),
      token: bytes.toString('utf8', namesAt + tableLength, namesAt + tableLength + tokenLength),
      rows: rowsWord & SPILL_RECORD_MAX_ROWS,
      unsent: rowsWord >= UNSENT_BIT,
      payload: bytes.subarray(namesAt + tableLength + tokenLength, at + size),
      offset: at,
      size,
    });
    at += size;
  }
  return { records, corrupted, tornTail };
}

const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32LE(SPILL_RECORD_MAGIC, 0);

function nextMagic(bytes: Buffer, from: number): number {
  const found = bytes.indexOf(MAGIC_BYTES, from);
  return found === -1 ? bytes.length : found;
}

function startsWithMagicPrefix(bytes: Buffer, at: number): boolean {
  for (let i = at; i < bytes.length && i - at < 4; i++) if (bytes[i] !== MAGIC_BYTES[i - at]) return false;
  return true;
}
