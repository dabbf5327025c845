import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEngine } from '@tracepoint/clickhouse-local';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { openSpoolDirectory } from '../src/spool-directory.js';

/** The pid of a process that has exited (a short-lived child): no one owns it now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

const PREFIX = 'tracepoint-clickhouse-local-';

describe('insert-body spool directories', () => {
  const root = mkdtempSync(join(tmpdir(), 'spool-root-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("removes the directories of engines that died, keeps live owners' and foreign ones", () => {
    const dead = join(root, `${PREFIX}${deadPid()}-abc123`);
    mkdirSync(dead);
    writeFileSync(join(dead, 'body-7'), 'rows of an insert that never finished');
    const live = join(root, `${PREFIX}${process.ppid}-def456`);
    mkdirSync(live);
    const foreign = join(root, 'something-else-1');
    mkdirSync(foreign);

    const mine = openSpoolDirectory(root);

    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(foreign)).toBe(true);
    expect(mine.startsWith(join(root, `${PREFIX}${process.pid}-`))).toBe(true);
  });

  it('a binary insert through the engine sweeps a killed engine’s leftovers on tmpfs', async () => {
    const shm = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const leftover = join(shm, `${PREFIX}${deadPid()}-test00`);
    mkdirSync(leftover, { recursive: true });
    writeFileSync(join(leftover, 'body-1'), Buffer.alloc(1024));
    const dir = tempDataDir('spool');
    const engine = new LocalEngine(dir.path);
    try {
      const base = { database: 'default', defaultFormat: 'TSV', settings: new Map(), params: new Map() };
      await engine.run({
        ...base,
        sql: 'CREATE TABLE spooled (x UInt32, s String) ENGINE = MergeTree ORDER BY x',
      });
      const body = await engine.run({
        ...base,
        sql: "SELECT number::UInt32 AS x, concat('\\xff', toString(number)) AS s FROM numbers(3) FORMAT RowBinaryWithNamesAndTypes",
      });
      await engine.run({
        ...base,
        sql: 'INSERT INTO spooled FORMAT RowBinaryWithNamesAndTypes',
        data: body.body,
      });
      const count = await engine.run({ ...base, sql: 'SELECT count() FROM spooled' });
      expect(new TextDecoder().decode(count.body).trim()).toBe('3');
      expect(existsSync(leftover)).toBe(false);
      expect(readdirSync(shm).some((entry) => entry.startsWith(`${PREFIX}${process.pid}-`))).toBe(true);
    } finally {
      await engine.close();
      rmSync(leftover, { recursive: true, force: true });
      dir.remove();
    }
  });
});
