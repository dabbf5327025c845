/** What the encoders changed so that the text they write is valid UTF-8. */
export interface TextRepairs {
  /** Lone surrogates replaced with U+FFFD. */
  loneSurrogatesReplaced: number;
}

/** ES2024 string methods (Node 20 has them; the project's lib is ES2022). */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** How many lone surrogates the text holds (each becomes one U+FFFD in UTF-8). */
export function loneSurrogates(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else count++;
  }
  return count;
}

/**
 * The text with each lone surrogate replaced by U+FFFD, counted. A lone
 * surrogate (an emoji cut in half by the SDK's attributeValueLengthLimit, or
 * a string sliced by code units anywhere) has no UTF-8 form: the JSON
 * encoder writes it as a `\ud83d` escape, which ClickHouse refuses for the
 * whole insert. isWellFormed is a flag check for one-byte strings, so the
 * common case costs next to nothing.
 */
export function wellFormed(text: string, repairs: TextRepairs): string {
  const checked = text as unknown as WellFormedString;
  if (checked.isWellFormed()) return text;
  repairs.loneSurrogatesReplaced += loneSurrogates(text);
  return checked.toWellFormed();
}

/**
 * A row's values with every string (in arrays and string maps too) well
 * formed; the row itself when nothing needed repair, a repaired copy otherwise.
 */
export function wellFormedValues<T>(value: T, repairs: TextRepairs): T {
  if (typeof value === 'string') return wellFormed(value, repairs) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const repaired = wellFormedValues(item, repairs);
      if (repaired !== item) {
        out ??= value.slice();
        out[i] = repaired;
      }
    }
    return (out ?? value) as T;
  }
  let out: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const repairedKey = wellFormed(key, repairs);
    const repaired = wellFormedValues(item, repairs);
    if (repaired === item && repairedKey === key) continue;
    if (out === undefined) out = { ...record };
    delete out[key];
    out[repairedKey] = repaired;
  }
  return (out ?? value) as T;
}
