import { readFileSync } from 'node:fs';

/** User + system CPU of another process so far, in µs (Linux /proc; clock ticks of 10 ms). */
export function processCpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}
