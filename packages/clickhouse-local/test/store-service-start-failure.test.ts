import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { ensureStoreService, STORE_FILES, STORE_SERVICE_DEFAULTS, StoreServiceError } from '../src/store.js';

// A store whose service cannot start must not be spawned again by every export that asks for
// it. Here the start fails because it may take 1 ms (the engine is killed when late), the
// path a hung or very slow start takes.
const work = tempDataDir('store-start-failure');
afterAll(() => work.remove());

const tooShort = { startTimeoutMillis: 1 };
const MARK = 'marker: no service was spawned after this line\n';

describe('a store service that fails to start', () => {
  it('is not spawned again until the retry wait is over, then it is', async () => {
    const dir = join(work.path, 'store');
    const log = join(dir, STORE_FILES.log);
    const first = await ensureStoreService(dir, tooShort).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(StoreServiceError);
    expect(String((first as Error).message)).toMatch(/was not ready in time.*tries again in 1 s/s);

    // Each spawn truncates the log: a marker that survives shows no spawn happened.
    writeFileSync(log, MARK);
    const again = await ensureStoreService(dir, tooShort).catch((error: unknown) => error);
    expect(again).toBe(first);
    expect(readFileSync(log, 'utf8')).toBe(MARK);

    await new Promise((done) => setTimeout(done, STORE_SERVICE_DEFAULTS.startRetryMinMillis + 100));
    const later = await ensureStoreService(dir, tooShort).catch((error: unknown) => error);
    expect(later).toBeInstanceOf(StoreServiceError);
    expect(readFileSync(log, 'utf8')).not.toBe(MARK);
    // The wait doubles after each failure.
    expect(String((later as Error).message)).toMatch(/tries again in 2 s/);
  }, 60_000);
});
