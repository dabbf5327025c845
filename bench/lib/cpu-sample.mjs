/**
 * Runs `pass` (one pass over `spanCount` spans, returning a number that is kept so no work can be
 * optimized away) until minMillis of wall time: one sample of spans, wall ns and CPU µs.
 */
export function cpuSample(pass, spanCount, minMillis) {
  let passes = 0;
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  const min = BigInt(minMillis) * 1_000_000n;
  do {
    sink += pass();
    passes++;
    elapsed = process.hrtime.bigint() - t0;
  } while (elapsed < min);
  return sampleOf(passes * spanCount, elapsed, process.cpuUsage(cpu0), sink);
}

/** cpuSample for an async pass (one that awaits I/O, such as an exporter's flush). */
export async function cpuSampleAsync(pass, spanCount, minMillis) {
  let passes = 0;
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  const min = BigInt(minMillis) * 1_000_000n;
  do {
    sink += await pass();
    passes++;
    elapsed = process.hrtime.bigint() - t0;
  } while (elapsed < min);
  return sampleOf(passes * spanCount, elapsed, process.cpuUsage(cpu0), sink);
}

function sampleOf(spans, elapsed, cpu, sink) {
  const cpuMicros = cpu.user + cpu.system;
  return {
    spans,
    wallNanos: Number(elapsed),
    cpuMicros,
    // CPU time counts the GC's helper threads too, so "per core" is what the process really spent.
    perCore: spans / (cpuMicros / 1e6),
    wall: spans / (Number(elapsed) / 1e9),
    sink,
  };
}
