import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SPILL_DEFAULTS, SpillDirectory } from '../src/spill-directory.js';
import { SPILL_LOCK_FILE, SpillLockedError } from '../src/spill-lock.js';
import { encodeSpillRecord, readSpillSegment, SPILL_RECORD_HEADER_BYTES } from '../src/spill-record.js';
import { rowBinaryHeader, SPILL_RUN_LIMITS, spillRunAt } from '../src/spill-run.js';

const open: SpillDirectory[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((spill) => spill.close()));
});

function dirOf(): string {
  return mkdtempSync(join(tmpdir(), 'tracepoint-spill-'));
}

function spillAt(
  dir: string,
  options: Partial<Parameters<typeof SpillDirectory.open>[0]> = {},
): SpillDirectory {
  const spill = SpillDirectory.open({ dir, ...options });
  open.push(spill);
  return spill;
}

const body = (text: string) => Buffer.from(text, 'utf8');
const segmentsIn = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tps'));

/** Every record next() gives, acknowledged one by one, as [table, token, rows, payload]. */
async function drain(spill: SpillDirectory): Promise<[string, string, number, string][]> {
  const out: [string, string, number, string][] = [];
  for (let record = await spill.next(); record !== undefined; record = await spill.next()) {
    out.push([record.table, record.token, record.rows, Buffer.from(record.payload).toString('utf8')]);
    await spill.ack(record);
  }
  return out;
}

describe('spill records', () => {
  it('round-trip names, token, rows and payload, multi-byte text included', () => {
    const parts = encodeSpillRecord('db.otel_traces', 'token-ü-1', 7, body('rows: ✓ ünïcødé'));
    const read = readSpillSegment(Buffer.concat(parts));
    expect(read.corrupted).toBe(0);
    expect(read.tornTail).toBe(false);
    expect(read.records).toHaveLength(1);
    const [record] = read.records;
    expect(record?.table).toBe('db.otel_traces');
    expect(record?.token).toBe('token-ü-1');
    expect(record?.rows).toBe(7);
    expect(Buffer.from(record?.payload ?? []).toString('utf8')).toBe('rows: ✓ ünïcødé');
  });

  it('skip a record with a flipped bit anywhere in it, counted, and keep the others', () => {
    const records = [0, 1, 2].map((i) =>
      Buffer.concat(encodeSpillRecord('t', `k${i}`, 1, body(`payload ${i}`))),
    );
    const whole = Buffer.concat(records);
    const secondStart = (records[0] as Buffer).length;
    // Every byte of the second record, in turn: header, names, payload.
    for (let at = secondStart; at < secondStart + (records[1] as Buffer).length; at++) {
      for (const bit of [0x01, 0x80]) {
        const flipped = Buffer.from(whole);
        flipped[at] = (flipped[at] as number) ^ bit;
        const read = readSpillSegment(flipped);
        expect(read.records.map((r) => r.token)).toEqual(['k0', 'k2']);
        expect(read.corrupted).toBe(1);
        expect(read.tornTail).toBe(false);
      }
    }
  });

  it('call a record cut short at the end a torn tail, and keep the records before it', () => {
    const first = Buffer.concat(encodeSpillRecord('t', 'a', 1, body('first')));
    const second = Buffer.concat(encodeSpillRecord('t', 'b', 1, body('second one')));
    for (let cut = 1; cut < second.length; cut++) {
      const read = readSpillSegment(Buffer.concat([first, second.subarray(0, cut)]));
      expect(read.records.map((r) => r.token)).toEqual(['a']);
      expect(read.tornTail).toBe(true);
      expect(read.corrupted).toBe(0);
    }
  });

  it('count garbage between records once and find the record after it', () => {
    const record = Buffer.concat(encodeSpillRecord('t', 'after', 2, body('kept')));
    const read = readSpillSegment(Buffer.concat([Buffer.from('not a record at all'), record]));
    expect(read.records.map((r) => r.token)).toEqual(['after']);
    expect(read.corrupted).toBe(1);
  });

  it('have the header size the format table documents', () => {
    const parts = encodeSpillRecord('', '', 0, new Uint8Array(0));
    expect((parts[0] as Buffer).length).toBe(SPILL_RECORD_HEADER_BYTES);
  });
});

/** A RowBinaryWithNamesAndTypes header (LEB128 count, names, types) for `columns`, then `rows` bytes. */
function rowBinary(columns: [string, string][], rows: string): Buffer {
  const text = (value: string) => [Buffer.from([Buffer.byteLength(value)]), Buffer.from(value)];
  return Buffer.concat([
    Buffer.from([columns.length]),
    ...columns.flatMap(([name]) => text(name)),
    ...columns.flatMap(([, type]) => text(type)),
    Buffer.from(rows),
  ]);
}

describe('spill runs (replayed inserts made of several records)', () => {
  const BINARY = 'INSERT INTO db.t (a, b) FORMAT RowBinaryWithNamesAndTypes';
  const JSON_ROWS = 'INSERT INTO db.s (a) FORMAT JSONCompactEachRow';
  const columns: [string, string][] = [
    ['a', 'UInt8'],
    ['b', 'String'],
  ];
  const recordsOf = (...specs: [string, string, number, Buffer, boolean][]) =>
    readSpillSegment(Buffer.concat(specs.flatMap((spec) => encodeSpillRecord(...spec)))).records;

  it('finds the names-and-types header of a binary body, and none in bytes that are not one', () => {
    const payload = rowBinary(columns, 'ROWS');
    expect(Buffer.from(rowBinaryHeader(payload) ?? []).toString('latin1')).toBe(
      '\x02\x01a\x01b\x05UInt8\x06String',
    );
    expect(rowBinaryHeader(Buffer.from([5, 1, 97]))).toBeUndefined();
    expect(rowBinaryHeader(Buffer.alloc(0))).toBeUndefined();
  });

  it('joins unsent records of one statement, without the later headers, and keeps a sent one alone under its token', () => {
    const records = recordsOf(
      [BINARY, 'k1', 1, rowBinary(columns, 'r1'), false],
      [BINARY, 'k2', 2, rowBinary(columns, 'r2'), true],
      [BINARY, 'k3', 3, rowBinary(columns, 'r3'), true],
      [
        BINARY,
        'k4',
        4,
        rowBinary(
          [
            ['a', 'UInt16'],
            ['b', 'String'],
          ],
          'r4',
        ),
        true,
      ],
      [JSON_ROWS, 'k5', 1, Buffer.from('[1]\n'), true],
      [JSON_ROWS, 'k6', 1, Buffer.from('[2]\n'), true],
      [BINARY, 'k7', 7, rowBinary(columns, 'r7'), true],
    );
    const runs: [string, number, string, string][] = [];
    for (let at = 0; at < records.length; ) {
      const run = spillRunAt(records, at);
      runs.push([run.token, run.rows, run.statement, Buffer.concat(run.chunks).toString('latin1')]);
      at += run.records.length;
    }
    const header = rowBinaryHeader(rowBinary(columns, '')) as Uint8Array;
    const h = Buffer.from(header).toString('latin1');
    const h16 = Buffer.from(
      rowBinaryHeader(
        rowBinary(
          [
            ['a', 'UInt16'],
            ['b', 'String'],
          ],
          '',
        ),
      ) ?? [],
    ).toString('latin1');
    expect(runs).toEqual([
      ['k1', 1, BINARY, `${h}r1`], // sent once: it may have landed under k1
      ['k2+2', 5, BINARY, `${h}r2r3`],
      ['k4', 4, BINARY, `${h16}r4`], // another header: a run of its own
      ['k5+2', 2, JSON_ROWS, '[1]\n[2]\n'],
      ['k7', 7, BINARY, `${h}r7`],
    ]);
    // At most maxRecords, and the same runs from the same start: a restart re-forms the same tokens.
    expect(spillRunAt(records, 1, 1).token).toBe('k2');
    expect(spillRunAt(records, 1).token).toBe(spillRunAt(records, 1).token);
  });

  it('stops a run at the exporter batch bounds', () => {
    const big = SPILL_RUN_LIMITS.maxRows / 2 + 1;
    const records = recordsOf(
      [JSON_ROWS, 'a', big, Buffer.from('[1]\n'), true],
      [JSON_ROWS, 'b', big, Buffer.from('[2]\n'), true],
    );
    expect(spillRunAt(records, 0).records).toHaveLength(1);
  });
});

describe('SpillDirectory', () => {
  it('replays in the order written, across segments and a reopen, and deletes each segment once it is acknowledged', async () => {
    const dir = dirOf();
    const first = spillAt(dir, { segmentBytes: 200 });
    for (let i = 0; i < 6; i++)
      expect(
        await first.append(`table${i % 2}`, `token${i}`, i + 1, body(`body ${i} ${'x'.repeat(60)}`)),
      ).toBe(true);
    expect(first.stats()).toMatchObject({ spilledRecords: 6, spilledRows: 21 });
    await first.close();
    expect(segmentsIn(dir).length).toBeGreaterThan(1);

    const second = spillAt(dir, { segmentBytes: 200 });
    const oldest = await second.next();
    expect(oldest?.token).toBe('token0');
    const replayed = await drain(second);
    expect(replayed.map(([table, token, rows]) => [table, token, rows])).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => [`table${i % 2}`, `token${i}`, i + 1]),
    );
    expect(replayed[3]?.[3]).toBe(`body 3 ${'x'.repeat(60)}`);
    expect(segmentsIn(dir)).toEqual([]);
    expect(second.stats()).toMatchObject({
      replayedRecords: 6,
      replayedRows: 21,
      pendingBytes: 0,
      oldestSpilledAt: undefined,
    });
  });

  it('keeps a segment until all its records are acknowledged: a restart sends the acknowledged ones again (same tokens)', async () => {
    const dir = dirOf();
    const first = spillAt(dir);
    for (let i = 0; i < 3; i++) await first.append('t', `token${i}`, 1, body(`b${i}`));
    const record = await first.next();
    await first.ack(record as NonNullable<typeof record>);
    await first.close();
    expect(segmentsIn(dir)).toHaveLength(1);
    const again = await drain(spillAt(dir));
    expect(again.map(([, token]) => token)).toEqual(['token0', 'token1', 'token2']);
  });

  it('reads the segment being written only after closing it, and appends go on in a new one', async () => {
    const dir = dirOf();
    const spill = spillAt(dir);
    await spill.append('t', 'a', 1, body('a'));
    const record = await spill.next();
    await spill.append('t', 'b', 1, body('b'));
    expect(segmentsIn(dir)).toHaveLength(2);
    await spill.ack(record as NonNullable<typeof record>);
    expect((await drain(spill)).map(([, token]) => token)).toEqual(['b']);
  });

  it('skips and counts a bit-flipped record and a torn tail found on disk', async () => {
    const dir = dirOf();
    const first = spillAt(dir);
    for (let i = 0; i < 3; i++) await first.append('t', `token${i}`, 1, body(`payload number ${i}`));
    await first.close();
    const [name] = segmentsIn(dir);
    const path = join(dir, name as string);
    const bytes = readFileSync(path);
    const recordSize = bytes.length / 3;
    bytes[recordSize + recordSize - 2] = (bytes[recordSize + recordSize - 2] as number) ^ 0x10; // second record's payload
    writeFileSync(path, bytes.subarray(0, bytes.length - 3)); // third record torn
    const second = spillAt(dir);
    expect((await drain(second)).map(([, token]) => token)).toEqual(['token0']);
    expect(second.stats()).toMatchObject({ corruptedRecords: 1, tornTails: 1, replayedRecords: 1 });
    expect(segmentsIn(dir)).toEqual([]);
  });

  it('drop-oldest: drops whole oldest segments past maxBytes, counting their records and rows exactly', async () => {
    const dir = dirOf();
    const payload = body('y'.repeat(100));
    const size = Buffer.concat(encodeSpillRecord('t', 'token00', 5, payload)).length;
    const spill = spillAt(dir, { maxBytes: size * 4, segmentBytes: size * 2 });
    for (let i = 0; i < 10; i++)
      expect(await spill.append('t', `token${String(i).padStart(2, '0')}`, 5, payload)).toBe(true);
    const stats = spill.stats();
    expect(stats.pendingBytes).toBeLessThanOrEqual(size * 4);
    expect(stats.droppedRecords + (await drain(spill)).length).toBe(10);
    expect(spill.stats()).toMatchObject({
      droppedRecords: 6,
      droppedRows: 30,
      droppedBytes: size * 6,
      replayedRecords: 4,
    });
  });

  it('drop-newest: refuses new records past maxBytes and keeps the oldest', async () => {
    const dir = dirOf();
    const payload = body('z'.repeat(100));
    const size = Buffer.concat(encodeSpillRecord('t', 'token0', 2, payload)).length;
    const spill = spillAt(dir, { maxBytes: size * 3, whenFull: 'drop-newest' });
    const kept: boolean[] = [];
    for (let i = 0; i < 5; i++) kept.push(await spill.append('t', `token${i}`, 2, payload));
    expect(kept).toEqual([true, true, true, false, false]);
    expect(spill.stats()).toMatchObject({ droppedRecords: 2, droppedRows: 4, droppedBytes: size * 2 });
    expect((await drain(spill)).map(([, token]) => token)).toEqual(['token0', 'token1', 'token2']);
  });

  it('refuses a directory a live process holds, with one line that says what to do, and takes over a dead one', async () => {
    const dir = dirOf();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, SPILL_LOCK_FILE), String(holder.pid));
      expect(() => SpillDirectory.open({ dir })).toThrow(SpillLockedError);
      expect(() => SpillDirectory.open({ dir })).toThrow(
        /in use by process \d+; give each process its own TRACEPOINT_SPILL_DIR/,
      );
    } finally {
      const gone = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL');
      await gone;
    }
    const spill = spillAt(dir);
    expect(readFileSync(join(dir, SPILL_LOCK_FILE), 'utf8')).toBe(String(process.pid));
    await spill.close();
    expect(readdirSync(dir)).not.toContain(SPILL_LOCK_FILE);
  });

  it('validates its options early, naming the option', () => {
    const dir = dirOf();
    expect(() => SpillDirectory.open({ dir, maxBytes: 0 })).toThrow(
      /option spill.maxBytes must be an integer >= 1, got 0/,
    );
    expect(() => SpillDirectory.open({ dir, whenFull: 'drop-all' as never })).toThrow(
      /option spill.whenFull must be/,
    );
    expect(() => SpillDirectory.open({ dir: '' })).toThrow(/option spill.dir must be a directory path/);
    expect(SPILL_DEFAULTS).toMatchObject({ maxBytes: 1024 ** 3, fsyncMillis: 1000, whenFull: 'drop-oldest' });
  });

  it('has its defaults stated in the README as the code defines them', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [option, value] of Object.entries(SPILL_DEFAULTS)) {
      const row = new RegExp(`^\\|\\s*\`spill\\.${option}\`\\s*\\|\\s*([^|]+?)\\s*\\|`, 'm').exec(readme);
      expect(row?.[1], `README default of spill.${option}`).toBe(`\`${String(value)}\``);
    }
  });
});
