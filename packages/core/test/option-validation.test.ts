import { OptionValidator, shownValue } from '@tracepoint/core';
import { describe, expect, it } from 'vitest';

const check = new OptionValidator('some-package');

describe('OptionValidator', () => {
  it.each([
    [
      () => check.integer('maxRows', 0, 1),
      'tracepoint: some-package option maxRows must be an integer >= 1, got 0',
    ],
    [
      () => check.integer('maxRows', 1.5, 1),
      'tracepoint: some-package option maxRows must be an integer >= 1, got 1.5',
    ],
    [
      () => check.integer('maxRows', '10', 1),
      'tracepoint: some-package option maxRows must be an integer >= 1, got "10"',
    ],
    [
      () => check.integer('maxRows', Number.NaN, 0),
      'tracepoint: some-package option maxRows must be an integer >= 0, got NaN',
    ],
    [
      () => check.number('minMillis', -0.5, 0),
      'tracepoint: some-package option minMillis must be a number >= 0, got -0.5',
    ],
    [
      () => check.boolean('gzip', 'yes'),
      'tracepoint: some-package option gzip must be true or false, got "yes"',
    ],
    [() => check.string('user', 7), 'tracepoint: some-package option user must be a string, got 7'],
    [
      () => check.nonEmptyString('name', ''),
      'tracepoint: some-package option name must be a non-empty string, got ""',
    ],
    [
      () => check.oneOf('mode', 'later', ['async', 'sync', 'push']),
      "tracepoint: some-package option mode must be 'async', 'sync' or 'push', got \"later\"",
    ],
    [() => check.array('keys', 'a.*'), 'tracepoint: some-package option keys must be an array, got "a.*"'],
    [() => check.options(null), 'tracepoint: some-package options must be an object, got null'],
    [
      () => check.fail('hmacKey', 'must be a secret of at least 16 characters'),
      'tracepoint: some-package option hmacKey must be a secret of at least 16 characters',
    ],
  ])('throws one TypeError shape naming the option and the value (%#)', (run, message) => {
    expect(run).toThrow(TypeError);
    expect(run).toThrow(message);
  });

  it('returns the value it let through, or the fallback for undefined', () => {
    expect(check.integer('maxRows', 5, 1)).toBe(5);
    expect(check.integer('maxRows', undefined, 1, 100)).toBe(100);
    expect(check.boolean('gzip', undefined, true)).toBe(true);
    expect(check.string('user', undefined, 'default')).toBe('default');
    expect(check.oneOf('mode', 'sync', ['async', 'sync'])).toBe('sync');
    // null is not undefined: a value was given, and it is wrong.
    expect(() => check.integer('maxRows', null, 1, 100)).toThrow('got null');
  });

  it('shows any value without throwing, and cuts a large one', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(shownValue(circular)).toBe('[object Object]');
    expect(shownValue(10n)).toBe('10');
    expect(shownValue(undefined)).toBe('undefined');
    expect(shownValue(() => 1)).toBe('a function');
    expect(shownValue('x'.repeat(500))).toHaveLength(201);
  });
});
