import { componentLogger } from '@tracepoint/core';
import { describe, expect, it } from 'vitest';
import { runNodeWithStderr } from '../../../test-support/child-process.js';

const app = new URL('./fixtures/logging-app.mjs', import.meta.url).pathname;
const lines = (text: string) => text.split('\n').filter(Boolean);

// What the fixture logs, in order: [diag level, line, whether its kind is new (so printed to stderr)].
const LOGGED: Array<[string, string, boolean]> = [
  ['error', 'tracepoint: exporter-clickhouse: lost 3 otel_traces rows: connect ECONNREFUSED', true],
  ['error', 'tracepoint: exporter-clickhouse: lost 7 otel_traces rows: timeout', false],
  ['warn', 'tracepoint: exporter-clickhouse: trace points are off: no table', true],
  ['warn', 'tracepoint: exporter-clickhouse: trace points are off: no table', false],
  ['warn', 'tracepoint: processor-cleaner: trace points are off: no table', true],
  ['error', 'tracepoint: tracing is off: bad switch', true],
];
const ONCE_EACH = LOGGED.filter(([, , first]) => first).map(([, line]) => line);

// The child loads the built package (packages/core/dist), as an app would.
describe('default logger: diag, and stderr once per kind while no diag logger is installed', () => {
  it('without a diag logger, each kind of line reaches stderr once, in one prefix style', async () => {
    const { out, err } = await runNodeWithStderr(app, { DIAG: 'none' });
    expect(out).toBe('');
    expect(lines(err)).toEqual(ONCE_EACH);
  });

  it('with a diag logger installed, every line goes to diag and none to stderr', async () => {
    const { out, err } = await runNodeWithStderr(app, { DIAG: 'set' });
    expect(err).toBe('');
    expect(lines(out)).toEqual(LOGGED.map(([level, line]) => `diag ${level}: ${line}`));
  });

  it('after diag.disable() the lines reach stderr again', async () => {
    const { out, err } = await runNodeWithStderr(app, { DIAG: 'set-then-disable' });
    expect(out).toBe('');
    expect(lines(err)).toEqual(ONCE_EACH);
  });
});

describe('a logger given as an option', () => {
  it('receives every line as written, errors falling back to warn', () => {
    const warnings: string[] = [];
    const log = componentLogger('processor-aggregator', { warn: (message) => warnings.push(message) });
    log.warn('lost 3 rows', 'lost rows');
    log.warn('lost 3 rows', 'lost rows');
    log.error('cannot start');
    expect(warnings).toEqual(['lost 3 rows', 'lost 3 rows', 'cannot start']);
  });

  it('never throws into the caller, and a logger without warn is refused at once', () => {
    const log = componentLogger('processor-cleaner', {
      warn() {
        throw new Error('broken logger');
      },
    });
    expect(() => log.warn('x')).not.toThrow();
    expect(() => log.error('x')).not.toThrow();
    expect(() => componentLogger('processor-cleaner', {} as never)).toThrow(
      'tracepoint: processor-cleaner option logger must be an object with warn(message) and error(message), got {}',
    );
  });
});
