import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { type FileHandle, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OptionValidator } from '@tracepoint/core';
import { lockSpillDirectory } from './spill-lock.js';
import { encodeSpillRecord, readSpillSegment, type SpillRecord } from './spill-record.js';
import { type SpillRun, spillRunAt } from './spill-run.js';

export type SpillWhenFull = 'drop-oldest' | 'drop-newest';

export interface SpillOptions {
  /** The process's own directory; a restarted process finds its predecessor's spill there. */
  dir: string;
  /** Bound of all segments together. */
  maxBytes?: number;
  /** How often written records are fsync'ed: a crash loses at most this much of the spill. */
  fsyncMillis?: number;
  /** Which records go when a new one would pass maxBytes. */
  whenFull?: SpillWhenFull;
  /** A segment is closed and a new one started past this size; a segment is deleted whole, once all its records are acknowledged. */
  segmentBytes?: number;
}

/** The one place these defaults live: the exporter, the README's options table and the tests read them. */
export const SPILL_DEFAULTS = {
  maxBytes: 1024 * 1024 * 1024,
  fsyncMillis: 1000,
  whenFull: 'drop-oldest' as SpillWhenFull,
  segmentBytes: 16 * 1024 * 1024,
} as const;

export interface SpillStats {
  spilledRecords: number;
  spilledRows: number;
  spilledBytes: number;
  replayedRecords: number;
  replayedRows: number;
  /** Dropped by the maxBytes bound (whenFull). */
  droppedRecords: number;
  droppedRows: number;
  droppedBytes: number;
  /** Could not be written (a full disk, a file-size limit): cut back off their segment and lost. */
  failedRecords: number;
  failedRows: number;
  /** Stretches of bytes that failed their checksum, and segments that ended inside a record: skipped, never replayed. */
  corruptedRecords: number;
  tornTails: number;
  /** Waiting on disk. */
  pendingBytes: number;
  /** When the oldest waiting segment was started (ms since the epoch), or undefined when nothing waits. */
  oldestSpilledAt: number | undefined;
}

const SEGMENT = /^segment-(\d{12})\.tps$/;
const segmentName = (seq: number) => `segment-${String(seq).padStart(12, '0')}.tps`;

interface Segment {
  readonly seq: number;
  bytes: number;
  /** Its file's mtime when found at open, or when this process started it. */
  readonly startedAt: number;
  /** The records read for replay, and how many of them are acknowledged. */
  records?: SpillRecord[];
  acked: number;
}

/** A record handed out by next(): acknowledge it with ack() once ClickHouse took the insert. */
export interface PendingSpillRecord extends SpillRecord {
  readonly segment: number;
}

/** A run handed out by nextRun(): acknowledge each of its records once ClickHouse took the insert. */
export interface PendingSpillRun extends SpillRun {
  readonly records: readonly PendingSpillRecord[];
}

const check = new OptionValidator('exporter-clickhouse');

/**
 * A directory of segment files holding insert bodies that could not be
 * delivered, written in order and replayed in that order. Owned by one
 * process at a time (`spill.lock`). Writes and fsyncs are asynchronous and
 * serialized, so the app's thread never waits on the disk; the encoding
 * already happened (the payload is the insert body).
 *
 * Replay reads whole segments: the active one is closed first when it is the
 * only one left, so a record is never read while it is being written. A
 * segment is deleted only when every record in it is acknowledged (as
 * Vector's disk buffer does); after a crash, a segment's acknowledged records
 * are sent again with the same deduplication tokens, which ClickHouse drops.
 */
export class SpillDirectory {
  private readonly segments: Segment[] = [];
  private active: { segment: Segment; file: FileHandle } | undefined;
  private nextSeq: number;
  private dirty = false;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly fsyncTimer: NodeJS.Timeout;
  private closed = false;
  private readonly counters: Omit<SpillStats, 'pendingBytes' | 'oldestSpilledAt'> = {
    spilledRecords: 0,
    spilledRows: 0,
    spilledBytes: 0,
    replayedRecords: 0,
    replayedRows: 0,
    droppedRecords: 0,
    droppedRows: 0,
    droppedBytes: 0,
    failedRecords: 0,
    failedRows: 0,
    corruptedRecords: 0,
    tornTails: 0,
  };
  readonly maxBytes: number;
  readonly fsyncMillis: number;
  readonly whenFull: SpillWhenFull;
  readonly segmentBytes: number;

  private constructor(
    readonly dir: string,
    options: SpillOptions,
    private readonly release: () => void,
  ) {
    this.maxBytes = check.integer('spill.maxBytes', options.maxBytes, 1, SPILL_DEFAULTS.maxBytes);
    this.fsyncMillis = check.integer('spill.fsyncMillis', options.fsyncMillis, 1, SPILL_DEFAULTS.fsyncMillis);
    this.segmentBytes = check.integer(
      'spill.segmentBytes',
      options.segmentBytes,
      1,
      SPILL_DEFAULTS.segmentBytes,
    );
    const whenFull = options.whenFull ?? SPILL_DEFAULTS.whenFull;
    if (whenFull !== 'drop-oldest' && whenFull !== 'drop-newest')
      check.invalid('spill.whenFull', "'drop-oldest' or 'drop-newest'", whenFull);
    this.whenFull = whenFull;
    for (const name of readdirSync(dir)) {
      const match = SEGMENT.exec(name);
      if (match === null) continue;
      const info = statSync(join(dir, name));
      this.segments.push({ seq: Number(match[1]), bytes: info.size, startedAt: info.mtimeMs, acked: 0 });
    }
    this.segments.sort((a, b) => a.seq - b.seq);
    this.nextSeq = (this.segments.at(-1)?.seq ?? 0) + 1;
    this.fsyncTimer = setInterval(() => void this.sync(), this.fsyncMillis);
    this.fsyncTimer.unref();
  }

  /**
   * Creates the directory if needed, takes its lock (SpillLockedError when a
   * live process holds it) and finds the segments a predecessor left.
   */
  static open(options: SpillOptions): SpillDirectory {
    check.options(options);
    if (typeof options.dir !== 'string' || options.dir === '')
      check.invalid('spill.dir', 'a directory path', options.dir);
    mkdirSync(options.dir, { recursive: true });
    const release = lockSpillDirectory(options.dir);
    try {
      return new SpillDirectory(options.dir, options, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Segments found at open or written since, not yet deleted. */
  get pendingSegments(): number {
    return this.segments.length;
  }

  /**
   * Appends one insert body (`unsent`: never sent, so it may join a replayed run); resolves false when it was dropped instead
   * (drop-newest, or a record larger than maxBytes), counted either way.
   */
  append(table: string, token: string, rows: number, payload: Uint8Array, unsent = false): Promise<boolean> {
    return this.serialized(() => this.write(table, token, rows, payload, unsent));
  }

  /** The oldest record not yet acknowledged, or undefined when the spill is empty. */
  next(): Promise<PendingSpillRecord | undefined> {
    return this.serialized(() => this.peek());
  }

  /**
   * The oldest records not yet acknowledged that go as one insert (spill-run.ts: consecutive
   * records of one statement, at most `maxRecords`), or undefined when the spill is empty.
   * Acknowledge each of its records with ack() once the insert landed.
   */
  nextRun(maxRecords?: number): Promise<PendingSpillRun | undefined> {
    return this.serialized(async () => {
      if ((await this.peek()) === undefined) return undefined;
      // peek() left the oldest segment loaded, with a record at `acked`.
      const segment = this.segments[0] as Segment;
      const run = spillRunAt(segment.records as SpillRecord[], segment.acked, maxRecords);
      return { ...run, records: run.records.map((record) => ({ ...record, segment: segment.seq })) };
    });
  }

  /** The record next() gave is in ClickHouse: counted, and its segment deleted once all its records are. */
  ack(record: PendingSpillRecord): Promise<void> {
    return this.serialized(async () => {
      const segment = this.segments[0];
      if (segment === undefined || segment.seq !== record.segment || segment.records === undefined) return;
      const expected = segment.records[segment.acked];
      if (expected === undefined || expected.offset !== record.offset) return;
      segment.acked++;
      this.counters.replayedRecords++;
      this.counters.replayedRows += record.rows;
      if (segment.acked === segment.records.length) await this.remove(segment);
    });
  }

  /** Writes what waits to the disk now. */
  flush(): Promise<void> {
    return this.serialized(() => this.syncNow());
  }

  /** Fsyncs, closes the active segment and releases the lock; the segments stay for the next process. */
  close(): Promise<void> {
    if (this.closed) return this.tail.then(() => undefined);
    this.closed = true;
    clearInterval(this.fsyncTimer);
    return this.serialized(async () => {
      await this.closeActive();
      this.release();
    });
  }

  stats(): SpillStats {
    let pendingBytes = 0;
    for (const segment of this.segments) pendingBytes += segment.bytes;
    return { ...this.counters, pendingBytes, oldestSpilledAt: this.segments[0]?.startedAt };
  }

  private serialized<T>(job: () => Promise<T>): Promise<T> {
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private sync(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    return this.serialized(() => this.syncNow()).catch(() => undefined);
  }

  private async syncNow(): Promise<void> {
    if (this.active === undefined || !this.dirty) return;
    this.dirty = false;
    await this.active.file.sync();
  }

  private async write(
    table: string,
    token: string,
    rows: number,
    payload: Uint8Array,
    unsent: boolean,
  ): Promise<boolean> {
    if (this.closed) throw new Error('tracepoint: the spill directory is closed');
    const parts = encodeSpillRecord(table, token, rows, payload, unsent);
    const size = (parts[0] as Buffer).length + payload.length;
    if (!(await this.makeRoom(size))) {
      this.counters.droppedRecords++;
      this.counters.droppedRows += rows;
      this.counters.droppedBytes += size;
      return false;
    }
    if (
      this.active !== undefined &&
      this.active.segment.bytes > 0 &&
      this.active.segment.bytes + size > this.segmentBytes
    )
      await this.closeActive();
    let active: { segment: Segment; file: FileHandle } | undefined;
    try {
      active = this.active ?? (await this.openActive());
      await writeAll(active.file, parts, size);
    } catch (error) {
      // A full disk or a file-size limit: the record is cut back off the segment, so the segment
      // stays a run of whole records and the next append (once there is room) starts clean.
      if (active !== undefined) await active.file.truncate(active.segment.bytes).catch(() => undefined);
      this.counters.failedRecords++;
      this.counters.failedRows += rows;
      throw error;
    }
    active.segment.bytes += size;
    this.dirty = true;
    this.counters.spilledRecords++;
    this.counters.spilledRows += rows;
    this.counters.spilledBytes += size;
    return true;
  }

  /** Whether `size` more bytes fit maxBytes, after dropping the oldest segments when that is the policy. */
  private async makeRoom(size: number): Promise<boolean> {
    if (size > this.maxBytes) return false;
    let pending = 0;
    for (const segment of this.segments) pending += segment.bytes;
    if (pending + size <= this.maxBytes) return true;
    if (this.whenFull === 'drop-newest') return false;
    while (pending + size > this.maxBytes) {
      const oldest = this.segments[0];
      if (oldest === undefined) break;
      if (this.active?.segment === oldest) await this.closeActive();
      const records = oldest.records ?? (await this.load(oldest, false));
      for (let i = oldest.acked; i < records.length; i++) {
        this.counters.droppedRecords++;
        this.counters.droppedRows += (records[i] as SpillRecord).rows;
        this.counters.droppedBytes += (records[i] as SpillRecord).size;
      }
      pending -= oldest.bytes;
      await this.remove(oldest);
    }
    return pending + size <= this.maxBytes;
  }

  private async peek(): Promise<PendingSpillRecord | undefined> {
    for (;;) {
      const segment = this.segments[0];
      if (segment === undefined) return undefined;
      // The segment being written is closed before it is read: the next append starts another.
      if (this.active?.segment === segment) await this.closeActive();
      const records = segment.records ?? (await this.load(segment, true));
      const record = records[segment.acked];
      if (record !== undefined) return { ...record, segment: segment.seq };
      await this.remove(segment);
    }
  }

  /** Reads a segment's records; `count` adds its corrupted stretches and torn tail to the counters. */
  private async load(segment: Segment, count: boolean): Promise<SpillRecord[]> {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.dir, segmentName(segment.seq)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      bytes = Buffer.alloc(0);
    }
    const read = readSpillSegment(bytes);
    if (count) {
      this.counters.corruptedRecords += read.corrupted;
      if (read.tornTail) this.counters.tornTails++;
    }
    segment.records = read.records;
    return read.records;
  }

  private async remove(segment: Segment): Promise<void> {
    const at = this.segments.indexOf(segment);
    if (at !== -1) this.segments.splice(at, 1);
    try {
      await unlink(join(this.dir, segmentName(segment.seq)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  private async openActive(): Promise<{ segment: Segment; file: FileHandle }> {
    const segment: Segment = { seq: this.nextSeq++, bytes: 0, startedAt: Date.now(), acked: 0 };
    const file = await open(join(this.dir, segmentName(segment.seq)), 'wx');
    // The new file's directory entry is made durable too: fsyncing the file alone does not keep a
    // just-created file across a power loss (ext4 and XFS need the directory fsync'ed). Once per segment.
    await syncDirectory(this.dir);
    this.segments.push(segment);
    this.active = { segment, file };
    return this.active;
  }

  private async closeActive(): Promise<void> {
    const active = this.active;
    if (active === undefined) return;
    this.active = undefined;
    if (this.dirty) {
      this.dirty = false;
      await active.file.sync();
    }
    await active.file.close();
  }
}

/**
 * Writes every byte of `parts`. A vectored write may take only part of them (the disk filled up
 * during it, or the file reached RLIMIT_FSIZE): the rest is written again, and that second write
 * gives the real error (ENOSPC, EFBIG) instead of a short record passing as written.
 */
async function writeAll(file: FileHandle, parts: Uint8Array[], size: number): Promise<void> {
  const { bytesWritten } = await file.writev(parts);
  if (bytesWritten === size) return;
  const rest = Buffer.concat(parts).subarray(bytesWritten);
  for (let at = 0; at < rest.length; ) {
    const { bytesWritten: more } = await file.write(rest, at, rest.length - at);
    if (more === 0) throw new Error(`the disk took ${bytesWritten + at} of ${size} bytes`);
    at += more;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
