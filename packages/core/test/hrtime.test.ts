import type { HrTime } from '@opentelemetry/api';
import { hrTimeToNanoString, hrTimeToNanos, isValidHrTime } from '@tracepoint/core';
import { describe, expect, it } from 'vitest';

describe('hrTimeToNanoString', () => {
  const cases: Array<[HrTime, string]> = [
    [[0, 0], '0'],
    [[0, 42], '42'],
    [[1, 5], '1000000005'],
    [[1_700_000_000, 123_456_789], '1700000000123456789'],
    // Above 2^53 ns a JS number would round this to ...792.
    [[9_007_199, 254_740_993], '9007199254740993'],
    [[4_102_444_800, 999_999_999], '4102444800999999999'],
    // Not normalized: carried exactly through BigInt.
    [[1, 1_500_000_000], '2500000000'],
  ];
  it.each(cases)('%j -> %s', (time, expected) => {
    expect(hrTimeToNanoString(time)).toBe(expected);
    expect(hrTimeToNanos(time)).toBe(BigInt(expected));
  });

  it("converts times of alternating seconds exactly (the last second's text is reused, never stale)", () => {
    const times: HrTime[] = [
      [1_700_000_000, 5],
      [1_700_000_000, 123_456_789],
      [1_700_000_001, 99_999_999],
      [0, 7],
      [1_700_000_000, 100_000_000],
      [1, 0],
      [1_700_000_001, 0],
    ];
    for (let round = 0; round < 2; round++)
      for (const time of times) expect(hrTimeToNanoString(time)).toBe(hrTimeToNanos(time).toString());
  });

  it('rounds fractional nanoseconds instead of emitting a decimal point', () => {
    expect(hrTimeToNanoString([2, 0.6])).toBe('2000000001');
  });
});

describe('isValidHrTime', () => {
  // What Number.isSafeInteger / Number.isInteger decided, kept by the plain comparisons.
  it.each<[unknown, boolean]>([
    [[1_700_000_000, 123_456_789], true],
    [[0, 0], true],
    [[-0, -0], true],
    [[Number.MAX_SAFE_INTEGER, 999_999_999], true],
    [[Number.MAX_SAFE_INTEGER + 1, 0], false],
    [[-1, 0], false],
    [[1, -1], false],
    [[1, 1_000_000_000], false],
    [[1.5, 0], false],
    [[1, 0.5], false],
    [[Number.NaN, 0], false],
    [[1, Number.NaN], false],
    [[Number.POSITIVE_INFINITY, 0], false],
    [[1, Number.POSITIVE_INFINITY], false],
    [['1', 0], false],
    [[1, '0'], false],
    [[1], false],
    [[1, 2, 3], false],
    [{ 0: 1, 1: 2, length: 2 }, false],
    [new Int32Array([1, 2]), false],
    [undefined, false],
    [null, false],
  ])('%j -> %s', (time, expected) => {
    expect(isValidHrTime(time)).toBe(expected);
  });

  it('hrTimeToNanoString gives the BigInt digits for times it does not take the string path for', () => {
    for (const time of [
      [1, 2, 3],
      [3, 1_000_000_007],
      [2, 0.4],
    ] as unknown as HrTime[])
      expect(hrTimeToNanoString(time)).toBe(hrTimeToNanos(time).toString());
  });
});

describe('hrTimeToNanoString digits', () => {
  it('matches BigInt for nanos at every digit boundary, with and without whole seconds', () => {
    const nanos = [0, 1, 9, 10, 99, 100, 999, 1_000, 1_001, 9_999, 10_000, 99_999, 100_000, 999_999];
    for (const n of [
      ...nanos,
      1_000_000,
      1_000_001,
      10_000_000,
      99_999_999,
      100_000_000,
      123_004_005,
      999_999_999,
    ])
      for (const seconds of [0, 1, 1_700_000_000]) {
        const time: HrTime = [seconds, n];
        expect(hrTimeToNanoString(time)).toBe(hrTimeToNanos(time).toString());
      }
  });

  it('matches BigInt on 20,000 seeded random times', () => {
    let state = 5;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    for (let i = 0; i < 20_000; i++) {
      const time: HrTime = [
        random() < 0.3 ? 0 : 1_700_000_000 + Math.floor(random() * 100),
        Math.floor(random() ** 3 * 1e9),
      ];
      expect(hrTimeToNanoString(time)).toBe(hrTimeToNanos(time).toString());
    }
  });
});
