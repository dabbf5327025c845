import {
  ROW_CHUNK_CHARS,
  RowBatch,
  type RowRange,
  rowCount,
  splitRanges,
} from '@tracepoint/exporter-clickhouse/internal';
import { describe, expect, it } from 'vitest';

/** Lines of varied length, some with multi-byte UTF-8, enough for several chunks. */
function lines(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const text = i % 7 === 0 ? `naïve ✓ 日本 ${i}` : 'x'.repeat((i * 97) % 3000);
    return `${JSON.stringify([i, text])}\n`;
  });
}

describe('RowBatch', () => {
  const all = lines(400);
  const batch = new RowBatch();
  for (const [i, line] of all.entries()) batch.append(line, i % 3);

  it('spans several chunks and gives back every line exactly', () => {
    expect(batch.rows).toBe(400);
    expect(batch.bytes).toBe(all.join('').length);
    expect(all.join('').length).toBeGreaterThan(4 * ROW_CHUNK_CHARS);
    expect(Buffer.concat(batch.body({ from: 0, to: 400 })).toString('utf8')).toBe(all.join(''));
    for (const row of [0, 1, 7, 63, 64, 199, 399]) expect(batch.line(row)).toBe(all[row]);
  });

  it('cuts any run of rows, across chunk edges, without copying whole chunks', () => {
    for (const [from, to] of [
      [0, 1],
      [3, 250],
      [101, 102],
      [57, 400],
      [200, 200],
    ] as const) {
      expect(Buffer.concat(batch.body({ from, to })).toString('utf8')).toBe(all.slice(from, to).join(''));
    }
  });

  it('splits ranges by row count, as bisection does', () => {
    const ranges: RowRange[] = [
      { from: 0, to: 5 },
      { from: 10, to: 20 },
      { from: 30, to: 33 },
    ];
    const [head, tail] = splitRanges(ranges, 9);
    expect(head).toEqual([
      { from: 0, to: 5 },
      { from: 10, to: 14 },
    ]);
    expect(tail).toEqual([
      { from: 14, to: 20 },
      { from: 30, to: 33 },
    ]);
    expect(rowCount(head) + rowCount(tail)).toBe(rowCount(ranges));
  });
});
