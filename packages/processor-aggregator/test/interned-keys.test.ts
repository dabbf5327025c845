import { OVERFLOW_VALUE, type StatType } from '@tracepoint/core';
import {
  type Dimensions,
  IntervalTable,
  KeyIndex,
  MemoryAccount,
  type OverflowCounts,
  resolveAggregatorConfig,
} from '@tracepoint/processor-aggregator/internal';
import { describe, expect, it } from 'vitest';
import { StringKeyedTable } from './fixtures/string-keyed-table.js';

/** mulberry32: reproducible random numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('key index', () => {
  it.each([
    ['dense: 3,456 possible rows, each found many times', 3, 2, 3_000],
    ['sparse: rows differ in one or two ids', 3, 12, 10_000],
  ])(
    'finds exactly the rows inserted, against a Map of the joined rows (50k draws, %s)',
    (_, first, rest, least) => {
      const random = seeded(7);
      const width = 10;
      const index = new KeyIndex(width);
      const plain = new Map<string, number>();
      const row = new Int32Array(width);
      // Ids from tiny ranges so rows differ in one or two places: collisions and long probe runs.
      const draw = () => {
        for (let i = 0; i < width; i++) row[i] = Math.floor(random() * (i < 3 ? first : rest));
      };
      let wrong = 0;
      for (let n = 0; n < 50_000; n++) {
        draw();
        const joined = row.join(',');
        const found = index.find(row);
        if (found !== (plain.get(joined) ?? -1)) wrong++;
        if (found < 0) {
          const inserted = index.insert(row);
          if (inserted !== plain.size) wrong++;
          plain.set(joined, inserted);
        }
      }
      expect(wrong).toBe(0);
      expect(index.size).toBe(plain.size);
      expect(plain.size).toBeGreaterThan(least);
      for (const [joined, at] of plain)
        if (index.find(Int32Array.from(joined.split(','), Number)) !== at) wrong++;
      expect(wrong).toBe(0);
    },
  );
});

/** The same random key stream into the interned table and the plain string-keyed one. */
function compare(options: {
  seed: number;
  adds: number;
  intervals: number;
  config: Parameters<typeof resolveAggregatorConfig>[0];
  pools: { services: number; names: number; methods: number; components: number; exceptions: number };
  /** Durations from 10^-7 to 10^(spread-7) ms: wide spreads make sketches ask for memory. */
  spread: number;
}) {
  const random = seeded(options.seed);
  const config = resolveAggregatorConfig(options.config);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const pool = (prefix: string, size: number) =>
    Array.from({ length: size }, (_, i) =>
      // Some long values (the account charges by length), an empty one and the overflow marker itself.
      i === 0
        ? ''
        : i === 1
          ? OVERFLOW_VALUE
          : i % 7 === 0
            ? `${prefix}-${i}-${'x'.repeat(150)}`
            : `${prefix}-${i}`,
    );
  const services = pool('svc', options.pools.services);
  const names = pool('op', options.pools.names);
  const methods = pool('GET /m', options.pools.methods);
  const components = pool('cmp', options.pools.components);
  const exceptions = pool('Err', options.pools.exceptions);
  const kinds = ['Server', 'Client', 'Internal', 'Producer', 'Consumer', '', OVERFLOW_VALUE, 'Odd'];
  const statuses = ['Unset', 'Ok', 'Error', ''];
  const statTypes: StatType[] = ['endpoint', 'edge', 'exception'];

  const interned = {
    account: new MemoryAccount(config.maxMemoryBytes, config.maxKeys),
    overflow: overflowCounts(),
  };
  const plain = {
    account: new MemoryAccount(config.maxMemoryBytes, config.maxKeys),
    overflow: overflowCounts(),
  };
  const internedTables: (IntervalTable | undefined)[] = [];
  const plainTables: (StringKeyedTable | undefined)[] = [];
  for (let i = 0; i < options.intervals; i++) {
    internedTables.push(IntervalTable.open(i * 60, config, interned.overflow, interned.account));
    plainTables.push(StringKeyedTable.open(i * 60, config, plain.overflow, plain.account));
    expect(internedTables[i] === undefined).toBe(plainTables[i] === undefined);
  }
  // The processor's way: one scratch array refilled for every key.
  const scratch: Dimensions = ['', '', '', '', '', '', '', '', ''];
  for (let n = 0; n < options.adds; n++) {
    const statType = pick(statTypes);
    const dims: Dimensions = [
      pick(services),
      statType === 'endpoint' ? pick(names) : '',
      pick(kinds),
      pick(statuses),
      statType === 'endpoint' ? '' : pick(components),
      statType === 'endpoint' ? '' : pick(components),
      statType === 'endpoint' ? '' : pick(methods),
      statType === 'endpoint' ? '' : pick(methods),
      statType === 'exception' ? pick(exceptions) : '',
    ];
    const durationMs = 10 ** (random() * options.spread - 7);
    const weight = random() < 0.1 ? 1 + Math.floor(random() * 100) : 1;
    const error = random() < 0.2;
    const at = Math.floor(random() * options.intervals);
    for (let i = 0; i < 9; i++) scratch[i] = dims[i] as string;
    internedTables[at]?.add(statType, scratch, durationMs, weight, error);
    plainTables[at]?.add(statType, [...dims] as Dimensions, durationMs, weight, error);
    if (n % 997 === 0) {
      expect(interned.account.bytes).toBe(plain.account.bytes);
      expect(interned.account.keys).toBe(plain.account.keys);
    }
  }
  for (let i = 0; i < options.intervals; i++) {
    expect(internedTables[i]?.size).toBe(plainTables[i]?.size);
    expect(internedTables[i]?.records(60)).toEqual(plainTables[i]?.records(60));
  }
  expect(interned.overflow).toEqual(plain.overflow);
  expect(interned.account.bytes).toBe(plain.account.bytes);
  expect(interned.account.keys).toBe(plain.account.keys);
  for (let i = 0; i < options.intervals; i++) {
    internedTables[i]?.release();
    plainTables[i]?.release();
  }
  expect([interned.account.bytes, interned.account.keys]).toEqual([0, 0]);
  return { overflow: interned.overflow, tables: internedTables };
}

function overflowCounts(): OverflowCounts {
  return { dimension: {}, keys: 0, intervals: 0 };
}

const sink = { writeStats: async () => 0 };
const widePools = { services: 6, names: 400, methods: 120, components: 40, exceptions: 12 };

describe('interned keys write what string keys wrote', () => {
  it('many series, no bound reached: the same rows, in the same order, to the last sketch count', () => {
    const { overflow, tables } = compare({
      seed: 1,
      adds: 40_000,
      intervals: 2,
      config: { sink, maxKeys: 100_000, maxMemoryBytes: 256 * 1_048_576 },
      pools: widePools,
      spread: 4,
    });
    expect(overflow.keys).toBe(0);
    expect(tables[0]?.size).toBeGreaterThan(10_000);
  });

  it('dimension caps reached: the same values become otel.metric.overflow, the same keys merge', () => {
    const { overflow } = compare({
      seed: 2,
      adds: 40_000,
      intervals: 2,
      config: { sink, maxValuesPerDimension: 9 },
      pools: widePools,
      spread: 3,
    });
    expect(overflow.dimension.spanName).toBeGreaterThan(0);
    expect(overflow.dimension.targetMethod).toBeGreaterThan(0);
  });

  it('maxKeys reached over several intervals: the same spans count under the overflow keys, the same intervals open', () => {
    const { overflow, tables } = compare({
      seed: 3,
      adds: 40_000,
      intervals: 5,
      config: { sink, maxKeys: 400 },
      pools: widePools,
      spread: 3,
    });
    expect(overflow.keys).toBeGreaterThan(0);
    expect(tables.every((table) => table !== undefined)).toBe(true);
  });

  it('maxMemoryBytes reached by wide sketches and long values: the account, refused intervals and collapsed buckets agree', () => {
    const { overflow, tables } = compare({
      seed: 4,
      adds: 40_000,
      intervals: 20,
      config: { sink, maxMemoryBytes: 65_536, maxSketchBuckets: 512 },
      pools: widePools,
      spread: 13,
    });
    expect(overflow.keys).toBeGreaterThan(0);
    expect(overflow.dimension.service ?? 0).toBeGreaterThanOrEqual(0);
    // Some intervals found no room to open at all.
    expect(tables.some((table) => table === undefined)).toBe(true);
  });
});

describe('recent-key cache', () => {
  it('keys that share a cache slot (same lengths, same sampled characters) take turns and each keeps its own counts', () => {
    // The names differ at index 9, the methods at 10: characters recentSlot does not read.
    const names = ['GET /api/a/:id', 'GET /api/b/:id', 'GET /api/c/:id'];
    const methods = ['SELECT orders', 'SELECT ordars'];
    const config = resolveAggregatorConfig({ sink, maxValuesPerDimension: 2 });
    const interned = {
      account: new MemoryAccount(config.maxMemoryBytes, config.maxKeys),
      overflow: overflowCounts(),
    };
    const plain = {
      account: new MemoryAccount(config.maxMemoryBytes, config.maxKeys),
      overflow: overflowCounts(),
    };
    const table = IntervalTable.open(0, config, interned.overflow, interned.account);
    const reference = StringKeyedTable.open(0, config, plain.overflow, plain.account);
    const scratch: Dimensions = ['', '', '', '', '', '', '', '', ''];
    for (let n = 0; n < 300; n++) {
      const endpoint = n % 2 === 0;
      const dims: Dimensions = endpoint
        ? ['checkout', names[n % 3] as string, 'Server', 'Unset', '', '', '', '', '']
        : [
            'checkout',
            '',
            'Client',
            'Unset',
            'checkout',
            'postgresql:shop',
            'GET /x',
            methods[(n >> 1) % 2] as string,
            '',
          ];
      for (let i = 0; i < 9; i++) scratch[i] = dims[i] as string;
      table?.add(endpoint ? 'endpoint' : 'edge', scratch, 1 + (n % 5), 1, n % 7 === 0);
      reference?.add(endpoint ? 'endpoint' : 'edge', [...dims] as Dimensions, 1 + (n % 5), 1, n % 7 === 0);
    }
    // The third name is over maxValuesPerDimension (2): its spans count under the overflow value each time.
    expect(interned.overflow).toEqual(plain.overflow);
    expect(interned.overflow.dimension.spanName).toBeGreaterThan(0);
    expect(table?.records(60)).toEqual(reference?.records(60));
    expect(table?.size).toBe(5);
  });
});
