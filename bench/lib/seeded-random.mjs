/** Deterministic PRNG (mulberry32) in [0, 1), so every run of a benchmark sees the same data. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = (random, list) => list[(random() * list.length) | 0];

export function hexOf(random, chars) {
  let out = '';
  for (let i = 0; i < chars; i++) out += ((random() * 16) | 0).toString(16);
  return out;
}

/** The SDK's RandomIdGenerator uses Math.random; this one makes the ids repeatable too. */
export function seededIdGenerator(random) {
  return { generateTraceId: () => hexOf(random, 32), generateSpanId: () => hexOf(random, 16) };
}
