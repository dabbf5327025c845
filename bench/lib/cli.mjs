import { pathToFileURL } from 'node:url';

/** `node bench/<id>.mjs [smoke|full]`: runs one benchmark and prints its table and targets. */
export async function runIfMain(moduleUrl, run) {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const result = await run({ size: process.argv[2] ?? 'full' });
  console.log(result.markdown);
  console.log(result.targets);
}

/** The plan of `size` from a benchmark's SIZES, or a clear error. */
export function planOf(sizes, size) {
  const plan = sizes[size];
  if (plan === undefined) throw new Error(`size must be ${Object.keys(sizes).join(' or ')}, got ${size}`);
  return plan;
}
