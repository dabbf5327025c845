/** Whether an ASCII code is a letter or a digit: the word boundary the detectors share. */
export function isAsciiAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Masks [start, end) spans collected by a hand-written scanner (sorted, not overlapping). */
export function maskRanges(text: string, ranges: number[], mask: (secret: string) => string): string {
  if (ranges.length === 0) return text;
  let out = '';
  let from = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const start = ranges[i] as number;
    const end = ranges[i + 1] as number;
    out += text.slice(from, start) + mask(text.slice(start, end));
    from = end;
  }
  return out + text.slice(from);
}

/**
 * [start, end) pairs found by several scans, in any order, as `maskRanges` takes them: sorted by
 * start, overlapping ones merged into one, pushed onto `into`.
 */
export function mergeRanges(found: readonly number[], into: number[]): void {
  const order: number[] = [];
  for (let i = 0; i < found.length; i += 2) order.push(i);
  order.sort((a, b) => (found[a] as number) - (found[b] as number));
  let lastEnd = -1;
  for (const i of order) {
    const start = found[i] as number;
    const end = found[i + 1] as number;
    if (start >= lastEnd) {
      into.push(start, end);
      lastEnd = end;
    } else if (end > lastEnd) {
      into[into.length - 1] = end;
      lastEnd = end;
    }
  }
}
