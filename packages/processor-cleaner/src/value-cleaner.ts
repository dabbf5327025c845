import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { ResolvedCleanerConfig } from './cleaner-options.js';
import type { CleanerStats } from './cleaner-stats.js';
import { isPlainAttributes, setAttribute } from './own-attributes.js';
import { type KeyEntry, MIN_REDACTABLE_LENGTH, type Redactor } from './redactor.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_OR_SURROGATE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uD800-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARS_ALL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const WORD_CHAR = /[A-Za-z0-9+/=_-]/;
const MAX_KEY_LENGTH = 256;
const MAX_CLEAN_KEYS = 4096;

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

/** Base64 of at most `budget` characters' worth of bytes. */
function base64Of(bytes: ArrayBufferView, budget: number): string {
  const length = Math.min(bytes.byteLength, Math.ceil((budget * 3) / 4) + 3);
  return Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('base64');
}

const MAX_JSON_DEPTH = 32;

/**
 * JSON text of any value, built only up to `budget` characters: a huge or
 * deeply nested value costs no more than the part that is kept. Cycles,
 * BigInts, bytes, Maps, Sets and Dates are written as data; `toJSON` is not
 * called, and a throwing getter gives `[unserializable]`.
 */
export function boundedJson(value: unknown, budget: number): string {
  const parts: string[] = [];
  let size = 0;
  const path = new Set<object>();
  const push = (text: string) => {
    parts.push(text);
    size += text.length;
  };
  const write = (item: unknown, depth: number): void => {
    switch (typeof item) {
      case 'string':
        push(JSON.stringify(item.length > budget ? item.slice(0, budget) : item));
        return;
      case 'number':
        push(Number.isFinite(item) ? String(item) : JSON.stringify(String(item)));
        return;
      case 'boolean':
        push(String(item));
        return;
      case 'bigint':
        push(JSON.stringify(item.toString()));
        return;
      case 'object':
        if (item !== null) break;
        push('null');
        return;
      default:
        push('null');
        return;
    }
    const object = item as object;
    const leaf = path.has(object)
      ? '"[Circular]"'
      : depth >= MAX_JSON_DEPTH
        ? '"[too deep]"'
        : ArrayBuffer.isView(object)
          ? JSON.stringify(base64Of(object, budget))
          : object instanceof Date
            ? JSON.stringify(safeDate(object))
            : undefined;
    if (leaf !== undefined) {
      push(leaf);
      return;
    }
    path.add(object);
    if (Array.isArray(object) || object instanceof Set) {
      push('[');
      let first = true;
      for (const element of object as Iterable<unknown>) {
        if (size > budget) break;
        if (!first) push(',');
        first = false;
        write(element, depth + 1);
      }
      push(']');
    } else {
      push('{');
      let first = true;
      const entries = object instanceof Map ? object.entries() : Object.entries(object);
      for (const [key, element] of entries as Iterable<[unknown, unknown]>) {
        if (size > budget) break;
        const type = typeof element;
        if (type === 'undefined' || type === 'function' || type === 'symbol') continue;
        push(`${first ? '' : ','}${JSON.stringify(String(key))}:`);
        first = false;
        write(element, depth + 1);
      }
      push('}');
    }
    path.delete(object);
  };
  try {
    write(value, 0);
  } catch {
    return '[unserializable]';
  }
  return parts.join('');
}

type Scalar = string | number | boolean;

/**
 * Makes attribute values what the OTel data model and ClickHouse accept:
 * scalars and homogeneous arrays, finite numbers, well-formed text without
 * control characters, bounded lengths, secrets masked. Each fix is counted.
 */
export class ValueCleaner {
  /** The copy the last over-limit `cleanPlainAttributes` returned, and how many keys it left out. */
  private overLimitOf: Attributes | undefined;
  private overLimitCount = 0;
  /**
   * Keys found clean (short, no control character or lone surrogate): a key is a pure fact of
   * its text, and the SDK hands the same key strings on every span, so the set lookup replaces a
   * regex scan per key (that scan and the one per text were ~25% of the cleaner's profile; with the
   * text shortcut below the cleaner went 11.6 -> 10.0 µs per span, measured interleaved). Bounded; emptied when full.
   */
  private readonly cleanKeys = new Set<string>();

  constructor(
    private readonly config: ResolvedCleanerConfig,
    private readonly redactor: Redactor,
    private readonly stats: CleanerStats,
  ) {}

  /**
   * A text made safe: cut, well-formed, no control characters, secrets masked. `entry`: the
   * key's entry when the text is an attribute value (its MemoWatch decides the set lookup).
   */
  cleanText(text: string, key: string | undefined, dbSystem: string | undefined, entry?: KeyEntry): string {
    let out = text;
    const limit = this.config.maxValueLength;
    const cut = out.length > limit;
    // Shorter than any detector or literal needs (Redactor.redactText gives these back as they
    // are): the control-character check alone decides, with no hash of the text for the set lookup.
    if (!cut && text.length < MIN_REDACTABLE_LENGTH && !CONTROL_OR_SURROGATE.test(text)) return text;
    // A text the detectors passed before had its control characters and surrogates checked
    // first, so it skips that scan too (see Redactor.knownClean: what may not take the shortcut).
    // An attribute value goes through the clean-text set as its key's MemoWatch says; a query text
    // always uses it after its literals are out, and a cut text never looks it up here.
    const watch = entry !== undefined && !entry.query && !cut ? entry.memo : undefined;
    const memo = watch === undefined || watch.uses();
    const remembered = !cut && memo && this.redactor.knownClean(text, key);
    if (watch !== undefined && memo) watch.looked(remembered);
    if (remembered) return text;
    if (cut) out = cutAt(out, limit);
    const kept = out.length;
    // One scan settles the common case; surrogates here are mostly valid pairs (emoji), checked only then.
    if (CONTROL_OR_SURROGATE.test(out)) {
      const repaired = wellFormed(out);
      if (repaired !== undefined) {
        out = repaired;
        this.stats.fix('text.invalidUnicode');
      }
      if (CONTROL_CHARS.test(out)) {
        out = out.replace(CONTROL_CHARS_ALL, '\uFFFD');
        this.stats.fix('text.controlChars');
      }
    }
    // A miss is not looked up twice: the redactor skips its own lookup of this same text.
    out = this.redactor.redactText(out, key, dbSystem, cut ? undefined : text, memo);
    if (cut) {
      this.stats.fix('value.truncated');
      out += truncationMarker(text.length - kept);
    }
    return out;
  }

  /** A key made safe, or undefined when nothing usable is left. */
  cleanKey(key: string): string | undefined {
    if (this.cleanKeys.has(key)) return key;
    if (key === '') return undefined;
    if (key.length <= MAX_KEY_LENGTH && !CONTROL_OR_SURROGATE.test(key)) {
      if (this.cleanKeys.size >= MAX_CLEAN_KEYS) this.cleanKeys.clear();
      this.cleanKeys.add(key);
      return key;
    }
    let out = key.length > MAX_KEY_LENGTH ? key.slice(0, MAX_KEY_LENGTH) : key;
    out = wellFormed(out) ?? out;
    if (CONTROL_CHARS.test(out)) out = out.replace(CONTROL_CHARS_ALL, '\uFFFD');
    if (out !== key) this.stats.fix('key.invalid');
    return out;
  }

  /** One value, cleaned; undefined when it has to go (functions, symbols, null). */
  cleanValue(value: unknown, key: string, dbSystem: string | undefined): AttributeValue | undefined {
    const entry = this.redactor.keyEntry(key);
    const verdict = entry.verdict;
    if (verdict !== undefined) {
      const masks = verdict === 'notAllowedKey' || typeof value === 'string' || Array.isArray(value);
      if (masks && value !== undefined && value !== null) {
        return this.redactor.maskWhole(typeof value === 'string' ? value : this.json(value), verdict);
      }
    }
    switch (typeof value) {
      case 'string': {
        // The value this key carried last time, found clean then: the same answer without the
        // clean-text set's hash of a fresh string. Only a text cleanText gave back whole (not cut,
        // nothing replaced) is kept, and never under a query-text key, whose cleaning depends on
        // the dialect as well as the text.
        if (value === entry.lastClean) return value;
        const cleaned = this.cleanText(value, key, dbSystem, entry);
        if (cleaned === value && !entry.query) entry.lastClean = value;
        return cleaned;
      }
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
          return this.cleanText(base64Of(value, this.config.maxValueLength + 1), key, dbSystem);
        }
        this.stats.fix('value.object');
        return this.cleanText(value instanceof Date ? safeDate(value) : this.json(value), key, dbSystem);
    }
    this.stats.fix('value.unsupported');
    return undefined;
  }

  /** JSON of a value, built no further than the value limit needs. */
  private json(value: unknown): string {
    return boundedJson(value, this.config.maxValueLength + 1);
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
        return this.cleanText(this.json(array), key, dbSystem);
      }
      if (type === undefined) type = itemType;
      else if (type !== itemType) mixed = true;
    }
    let items: readonly unknown[] = array;
    let count = Math.min(array.length, this.config.maxArrayLength);
    // The strings of one array share the value limit, so one attribute cannot carry maxArrayLength full-size texts.
    let text = 0;
    for (let i = 0; i < count; i++) {
      const item = array[i];
      text += typeof item === 'string' ? item.length : 0;
      if (text > this.config.maxValueLength) count = i + 1;
    }
    if (count < array.length) {
      this.stats.fix('array.truncated');
      items = array.slice(0, count);
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

  /**
   * Cleaned attributes, the same object when nothing changed and it is plain
   * (see `isPlainAttributes`). Only own keys are read.
   */
  cleanAttributes(attributes: Attributes | undefined, dbSystem: string | undefined): Attributes | undefined {
    if (attributes === undefined || attributes === null) return attributes;
    return this.cleanPlainAttributes(this.plainAttributes(attributes), dbSystem);
  }

  /**
   * `cleanAttributes` of attributes already made plain by `plainAttributes`.
   * Keys past maxAttributes are left out and counted in the stats;
   * `droppedOverLimit` tells the caller how many.
   */
  cleanPlainAttributes(source: Attributes, dbSystem: string | undefined): Attributes {
    let dropped = 0;
    const limit = this.config.maxAttributes;
    let out: Attributes | undefined;
    let index = 0;
    // for-in walks the object's enumeration cache; Object.keys would allocate an array on every span.
    for (const key in source) {
      if (index >= limit) {
        dropped++;
        out ??= copyFirst(source, index);
        continue;
      }
      index++;
      const value = source[key];
      const cleanKey = this.cleanKey(key);
      const cleaned = cleanKey === undefined ? undefined : this.cleanValue(value, cleanKey, dbSystem);
      if (out === undefined) {
        if (cleanKey === key && cleaned === value) continue;
        out = copyFirst(source, index - 1);
      }
      if (cleanKey !== undefined && cleaned !== undefined) setAttribute(out, cleanKey, cleaned);
    }
    if (dropped > 0) {
      this.stats.fix('attributes.overLimit', dropped);
      this.overLimitOf = out;
      this.overLimitCount = dropped;
    }
    return out ?? source;
  }

  /**
   * How many keys `cleanPlainAttributes(source)` left out over maxAttributes,
   * given what it returned. Leaving keys out always makes a copy, which the
   * count is tied to by identity: O(1), with no second walk over the keys
   * (a redacted value also makes a copy, and that is most spans with a secret).
   */
  droppedOverLimit(source: Attributes, cleaned: Attributes): number {
    return cleaned !== source && cleaned === this.overLimitOf ? this.overLimitCount : 0;
  }

  /**
   * The attributes themselves when plain, else a plain copy of their own
   * keys (each value read once), so no later read by name reaches a foreign
   * prototype or a proxy.
   */
  plainAttributes(attributes: Attributes): Attributes {
    if (isPlainAttributes(attributes)) return attributes;
    const keys = Object.keys(attributes);
    const out: Attributes = {};
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      setAttribute(out, key, attributes[key]);
    }
    this.stats.fix('attributes.notPlain');
    return out;
  }
}

function safeDate(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toISOString();
}

/** A new object with the first `count` keys of plain `attributes`, in order. */
function copyFirst(attributes: Attributes, count: number): Attributes {
  const out: Attributes = {};
  let index = 0;
  for (const key in attributes) {
    if (index++ >= count) break;
    setAttribute(out, key, attributes[key]);
  }
  return out;
}
