import { CLEANER_DEFAULTS, CleanerSpanProcessor } from '@tracepoint/processor-cleaner';
import { describe, expect, it } from 'vitest';
import { expectReadmeStatesDefaults } from '../../../test-support/readme-options.js';

describe('options', () => {
  it.each([
    [{ redaction: 'hmac' }, /hmacKey/],
    [{ redaction: 'scramble' }, /redaction/],
    [{ detectors: ['email', 'ssn'] }, /detectors has unknown detector ssn/],
    [{ maxValueLength: 0 }, /maxValueLength must be a positive integer/],
    [{ dropRules: [{ name: 'everything' }] }, /dropRules\[0\] has no condition/],
    [{ dropRules: [{ name: 'x', kind: 'sideways' }] }, /dropRules\[0\]\.kind/],
    [{ pathPatterns: [{ match: '/a/*', template: 'a' }] }, /pathPatterns\[0\]\.template/],
    [{ allowedKeys: 'app.*' }, /allowedKeys must be an array/],
  ])('%j is refused with a message naming the option', (options, message) => {
    expect(() => new CleanerSpanProcessor(options as never)).toThrow(message);
  });
});

describe('README', () => {
  it('states every default as the code defines it', () => {
    expectReadmeStatesDefaults(new URL('../README.md', import.meta.url), CLEANER_DEFAULTS);
  });
});
