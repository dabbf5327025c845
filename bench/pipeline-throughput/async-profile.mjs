// The CPU profile of an async piece of work (lib/cpu-profile.mjs's cpuProfile takes synchronous
// work only), with the idle samples left out, so the shares are of the CPU the work spent on the
// main thread while it waited for the network in between.
import { Session } from 'node:inspector/promises';
import { selfTimeByPackage } from '../lib/cpu-profile.mjs';

/** Runs `work` (async) under V8's sampling profiler; resolves with the V8 profile. */
export async function asyncCpuProfile(work, { intervalMicros = 100 } = {}) {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
    await session.post('Profiler.start');
    let profile;
    try {
      await work();
    } finally {
      ({ profile } = await session.post('Profiler.stop'));
    }
    await session.post('Profiler.disable');
    return profile;
  } finally {
    session.disconnect();
  }
}

/** selfTimeByPackage without the idle samples: shares of the busy samples. */
export function busySelfTimeByPackage(profile) {
  const all = selfTimeByPackage(profile);
  const idle = all.packages.find((p) => p.name === 'idle')?.share ?? 0;
  const busy = 1 - idle;
  const scale = busy > 0 ? 1 / busy : 0;
  return {
    samples: Math.round(all.samples * busy),
    allSamples: all.samples,
    millis: all.millis,
    idleShare: idle,
    packages: all.packages
      .filter((p) => p.name !== 'idle')
      .map((p) => ({
        ...p,
        share: p.share * scale,
        files: p.files.map((f) => ({ ...f, share: f.share * scale })),
      })),
  };
}
