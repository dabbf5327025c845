import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { ResolvedCleanerConfig } from './cleaner-options.js';
import type { CleanerStats } from './cleaner-stats.js';
import type { Redactor } from './redactor.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARS_ALL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const WORD_CHAR = /[A-Za-z0-9+/=_-]/;
const MAX_KEY_LENGTH = 256;

/** ES2024 string methods (Node >= 20); the project's TypeScript lib stops at ES2023. */
interface WellFormedText {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** Lone surrogates (which no UTF-8 encoder can write) replaced by U+FFFD; undefined when there were none. */
function wellFormed(text: string): string | undefined {
  const checked = text as unknown as WellFormedText;
  return checked.isWellFormed() ? undefined : checked.toWellFormed();
}
/** How far back a cut walks to avoid leaving half a token (a secret's prefix) before the marker. */
const MAX_TOKEN_BACKTRACK = 128;

export function truncationMarker(removed: number): string {
  return `…[truncated ${removed} chars]`;
}

/** A cut at `limit` that does not end inside a word, so no prefix of a token survives undetected. */
function cutAt(text: string, limit: number): string {
  let end = limit;
  if (WORD_CHAR.test(text[end] as string)) {
    const floor = Math.max(0, limit - MAX_TOKEN_BACKTRACK);
    while (end > floor && WORD_CHAR.test(text[end - 1] as string)) end--;
    if (end === floor) end = limit;
  }
  return text.slice(0, end);
}

function base64Of(bytes: ArrayBufferView): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** JSON that survives cycles, BigInts, bytes, Maps, Sets, throwing getters and depth bombs. */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (_key, item: unknown) => {
        if (typeof item === 'bigint') return item.toString();
        if (typeof item === 'number' && !Number.isFinite(item)) return String(item);
        if (typeof item === 'function' || typeof item === 'symbol') return undefined;
        if (typeof item !== 'object' || item === null) return item;
        if (seen.has(item)) return '[Circular]';
        seen.add(item);
        if (ArrayBuffer.isView(item)) return base64Of(item);
        if (item instanceof Map) return Object.fromEntries(item);
        if (item instanceof Set) return [...item];
        return item;
      }) ?? ''
    );
  } catch {
    return '[unserializable]';
  }
}

type Scalar = string | number | boolean;

/**
 * Makes attribute values what the OTel data model and ClickHouse accept:
 * scalars and homogeneous arrays, finite numbers, well-formed text without
 * control characters, bounded lengths, secrets masked. Each fix is counted.
 */
export class ValueCleaner {
  /** Attributes the last `cleanAttributes` call dropped over the limit. */
  lastDropped = 0;

  constructor(
    private readonly config: ResolvedCleanerConfig,
    private readonly redactor: Redactor,
    private readonly stats: CleanerStats,
  ) {}

  /** A text made safe: cut, well-formed, no control characters, secrets masked. */
  cleanText(text: string, key: string | undefined, dbSystem: string | undefined): string {
    let out = text;
    const limit = this.config.maxValueLength;
    const cut = out.length > limit;
    if (cut) out = cutAt(out, limit);
    const kept = out.length;
    const repaired = wellFormed(out);
    if (repaired !== undefined) {
      out = repaired;
      this.stats.fix('text.invalidUnicode');
    }
    if (CONTROL_CHARS.test(out)) {
      out = out.replace(CONTROL_CHARS_ALL, '\uFFFD');
      this.stats.fix('text.controlChars');
    }
    out = this.redactor.redactText(out, key, dbSystem);
    if (cut) {
      this.stats.fix('value.truncated');
      out += truncationMarker(text.length - kept);
    }
    return out;
  }

  /** A key made safe, or undefined when nothing usable is left. */
  cleanKey(key: string): string | undefined {
    if (key === '') return undefined;
    let out = key.length > MAX_KEY_LENGTH ? key.slice(0, MAX_KEY_LENGTH) : key;
    out = wellFormed(out) ?? out;
    if (CONTROL_CHARS.test(out)) out = out.replace(CONTROL_CHARS_ALL, '\uFFFD');
    if (out !== key) this.stats.fix('key.invalid');
    return out;
  }

  /** One value, cleaned; undefined when it has to go (functions, symbols, null). */
  cleanValue(value: unknown, key: string, dbSystem: string | undefined): AttributeValue | undefined {
    const verdict = this.redactor.keyVerdict(key);
    if (verdict !== undefined) {
      const masks = verdict === 'notAllowedKey' || typeof value === 'string' || Array.isArray(value);
      if (masks && value !== undefined && value !== null) {
        return this.redactor.maskWhole(typeof value === 'string' ? value : safeJson(value), verdict);
      }
    }
    switch (typeof value) {
      case 'string':
        return this.cleanText(value, key, dbSystem);
      case 'boolean':
        return value;
      case 'number':
        if (Number.isFinite(value)) return value;
        this.stats.fix('value.nonFinite');
        return String(value);
      case 'bigint':
        this.stats.fix('value.bigint');
        return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
      case 'object':
        if (value === null) break;
        if (Array.isArray(value)) return this.cleanArray(value, key, dbSystem);
        if (ArrayBuffer.isView(value)) {
          this.stats.fix('value.bytes');
          return this.cleanText(base64Of(value), key, dbSystem);
        }
        this.stats.fix('value.object');
        return this.cleanText(value instanceof Date ? safeDate(value) : safeJson(value), key, dbSystem);
    }
    this.stats.fix('value.unsupported');
    return undefined;
  }

  private cleanArray(array: readonly unknown[], key: string, dbSystem: string | undefined): AttributeValue {
    let type: string | undefined;
    let mixed = false;
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      if (item === null || item === undefined) continue;
      const itemType = typeof item;
      if (
        itemType === 'object' ||
        itemType === 'function' ||
        itemType === 'symbol' ||
        itemType === 'bigint'
      ) {
        this.stats.fix('value.nestedArray');
        return this.cleanText(safeJson(array), key, dbSystem);
      }
      if (type === undefined) type = itemType;
      else if (type !== itemType) mixed = true;
    }
    let items: readonly unknown[] = array;
    if (array.length > this.config.maxArrayLength) {
      this.stats.fix('array.truncated');
      items = array.slice(0, this.config.maxArrayLength);
    }
    if (mixed) this.stats.fix('value.mixedArray');
    let out: (Scalar | null)[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      let cleaned: Scalar | null;
      if (item === null || item === undefined) cleaned = null;
      else if (mixed) cleaned = this.cleanText(String(item), key, dbSystem);
      else if (typeof item === 'string') cleaned = this.cleanText(item, key, dbSystem);
      else if (typeof item === 'number' && !Number.isFinite(item)) {
        this.stats.fix('value.nonFinite');
        cleaned = null;
      } else cleaned = item as Scalar;
      if (out === undefined && (cleaned !== item || items !== array))
        out = items.slice(0, i) as (Scalar | null)[];
      out?.push(cleaned);
    }
    return (out ?? array) as AttributeValue;
  }

  /** Cleaned attributes, the same object when nothing changed; `lastDropped` tells how many went over the limit. */
  cleanAttributes(attributes: Attributes | undefined, dbSystem: string | undefined): Attributes | undefined {
    this.lastDropped = 0;
    if (attributes === undefined || attributes === null) return attributes;
    const keys = Object.keys(attributes);
    const limit = this.config.maxAttributes;
    let out: Attributes | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (i >= limit) {
        this.lastDropped = keys.length - limit;
        this.stats.fix('attributes.overLimit', this.lastDropped);
        out ??= copyKeys(attributes, keys, i);
        break;
      }
      const value = attributes[key];
      const cleanKey = this.cleanKey(key);
      const cleaned = cleanKey === undefined ? undefined : this.cleanValue(value, cleanKey, dbSystem);
      if (out === undefined) {
        if (cleanKey === key && cleaned === value) continue;
        out = copyKeys(attributes, keys, i);
      }
      if (cleanKey !== undefined && cleaned !== undefined) out[cleanKey] = cleaned;
    }
    return out ?? attributes;
  }
}

function safeDate(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toISOString();
}

/** A new object with the first `count` keys of `attributes`. */
function copyKeys(attributes: Attributes, keys: readonly string[], count: number): Attributes {
  const out: Attributes = {};
  for (let i = 0; i < count; i++) {
    const key = keys[i] as string;
    out[key] = attributes[key];
  }
  return out;
}
