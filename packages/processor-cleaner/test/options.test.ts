import { CLEANER_DEFAULTS, CleanerSpanProcessor } from '@tracepoint/processor-cleaner';
import { describe, expect, it } from 'vitest';
import { expectReadmeStatesDefaults } from '../../../test-support/readme-options.js';

describe('options', () => {
  it.each([
    [{ redaction: 'hmac' }, /hmacKey/],
    [{ redaction: 'scramble' }, /redaction/],
    [{ detectors: ['email', 'passport'] }, /detectors has unknown detector passport/],
    [{ maxValueLength: 0 }, /option maxValueLength must be an integer >= 1, got 0/],
    [{ dropRules: [{ name: 'everything' }] }, /dropRules\[0\] has no condition/],
    [{ dropRules: [{ name: 'x', kind: 'sideways' }] }, /dropRules\[0\]\.kind/],
    [{ pathPatterns: [{ match: '/a/*', template: 'a' }] }, /pathPatterns\[0\]\.template/],
    [{ allowedKeys: 'app.*' }, /allowedKeys must be an array/],
    [{ peerServiceMapping: { '10.0.0.7': '' } }, /peerServiceMapping.*host or host:port/],
    [{ peerServiceMapping: 'a=b' }, /peerServiceMapping/],
  ])('%j is refused with a message naming the option', (options, message) => {
    expect(() => new CleanerSpanProcessor(options as never)).toThrow(message);
  });
});

describe('OTEL_INSTRUMENTATION_COMMON_PEER_SERVICE_MAPPING', () => {
  const withEnv = (value: string) => {
    const saved = process.env.OTEL_INSTRUMENTATION_COMMON_PEER_SERVICE_MAPPING;
    process.env.OTEL_INSTRUMENTATION_COMMON_PEER_SERVICE_MAPPING = value;
    try {
      return new CleanerSpanProcessor({});
    } finally {
      if (saved === undefined) delete process.env.OTEL_INSTRUMENTATION_COMMON_PEER_SERVICE_MAPPING;
      else process.env.OTEL_INSTRUMENTATION_COMMON_PEER_SERVICE_MAPPING = saved;
    }
  };
  it('accepts the Java agent format', () => {
    expect(() => withEnv(' 10.0.0.7=inventory , db.local:5432=orders-db,')).not.toThrow();
  });
  it('refuses an entry without a name, naming the variable', () => {
    expect(() => withEnv('10.0.0.7')).toThrow(
      /OTEL_INSTRUMENTATION_COMMON_PEER_SERVICE_MAPPING.*"10\.0\.0\.7="/,
    );
  });
});

describe('README', () => {
  it('states every default as the code defines it', () => {
    expectReadmeStatesDefaults(new URL('../README.md', import.meta.url), CLEANER_DEFAULTS);
  });
});
