import { Session } from 'node:inspector/promises';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module without declarations
import { ACCOUNT_ORDER, timeByCategory } from '../app-overhead/profile-account.mjs';
// @ts-expect-error plain ES module without declarations
import { selfTimeByPackage } from '../lib/cpu-profile.mjs';

// A real V8 profile of busy functions whose names are Object.prototype's (toString, constructor):
// their samples must land in a category of the account, never in one named after a function.
describe('profile account categories', () => {
  it('files a function named toString or constructor by its script, not under Object.prototype', async () => {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const busy = {
      toString() {
        let x = 0;
        for (const end = Date.now() + 60; Date.now() < end; ) x += Math.sqrt(x + 1);
        return String(x);
      },
    };
    class Busy {
      value: number;
      constructor() {
        let x = 0;
        for (const end = Date.now() + 60; Date.now() < end; ) x += Math.sqrt(x + 1);
        this.value = x;
      }
    }
    busy.toString();
    new Busy();
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const categories = [...(timeByCategory(profile) as Map<string, number>).keys()];
    for (const category of categories) expect([...ACCOUNT_ORDER, 'idle']).toContain(category);
    const names = profile.nodes.map((node) => node.callFrame.functionName);
    expect(names).toContain('toString');
    const { packages } = selfTimeByPackage(profile) as { packages: { name: unknown }[] };
    for (const { name } of packages) expect(typeof name).toBe('string');
  });
});
