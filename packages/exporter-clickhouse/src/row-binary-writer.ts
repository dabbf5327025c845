import type { HrTime } from '@opentelemetry/api';
import { loneSurrogates, type TextRepairs } from './well-formed-text.js';

/** ES2024 string method (Node 20 has it; the project's lib is ES2022). */
interface WellFormedString {
  isWellFormed(): boolean;
}

const TWO_POW_16 = 65_536;
const TWO_POW_32 = 4_294_967_296;
const NANOS_PER_SECOND = 1_000_000_000;

/**
 * Writes RowBinary values into one growing Buffer that is reused from row to
 * row (`reset`): LEB128 lengths, little-endian integers, strings as UTF-8
 * bytes. Strings are written straight from the JavaScript string; a lone
 * surrogate becomes U+FFFD (what Buffer's UTF-8 writer does on its own),
 * counted in `repairs` so the counter stays honest.
 */
export class RowBinaryWriter {
  buffer: Buffer;
  length = 0;

  /** `initial`: a capacity, or a Buffer to write into (a spare one: its old bytes are overwritten). */
  constructor(
    readonly repairs: TextRepairs,
    initial: number | Buffer = 64 * 1024,
  ) {
    this.buffer = typeof initial === 'number' ? Buffer.allocUnsafe(initial) : initial;
  }

  reset(): void {
    this.length = 0;
  }

  /** Drops what was written after `length` (a row that failed half-way). */
  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }

  /** The bytes written since `from`, as a view (valid until the next write). */
  view(from = 0): Uint8Array {
    return this.buffer.subarray(from, this.length);
  }

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    // At least 64 bytes: a released batch's writer holds an empty Buffer.
    let capacity = Math.max(this.buffer.length * 2, 64);
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  bytes(source: Uint8Array): void {
    this.ensure(source.length);
    this.buffer.set(source, this.length);
    this.length += source.length;
  }

  /** The first `length` bytes of `source`; short ones in a loop (cached texts are a few dozen bytes). */
  bytesOf(source: Uint8Array, length: number): void {
    this.ensure(length);
    const buffer = this.buffer;
    let at = this.length;
    if (length > 64) buffer.set(source.subarray(0, length), at);
    else for (let i = 0; i < length; i++) buffer[at++] = source[i] as number;
    this.length += length;
  }

  varUInt(value: number): void {
    this.ensure(10);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.buffer[this.length++] = rest;
  }

  /** A count written before its items are known: one byte now, widened by `endCount` when it must be. */
  startCount(): number {
    this.ensure(1);
    return this.length++;
  }

  /** Writes the count at `at` (from startCount), moving the items after it when it needs more than one byte. */
  endCount(at: number, count: number): void {
    if (count < 0x80) {
      this.buffer[at] = count;
      return;
    }
    let size = 1;
    for (let rest = count; rest >= 0x80; rest = Math.floor(rest / 128)) size++;
    this.ensure(size - 1);
    this.buffer.copyWithin(at + size, at + 1, this.length);
    this.length += size - 1;
    let rest = count;
    let i = at;
    while (rest >= 0x80) {
      this.buffer[i++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.buffer[i] = rest;
  }

  /** A String value: its UTF-8 byte length (LEB128), then the bytes. */
  string(text: string): void {
    const chars = text.length;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit, plus up to 5 for the length.
    this.ensure(chars * 3 + 5);
    const buffer = this.buffer;
    const at = this.length;
    if (chars < 0x80) {
      // Short strings (nearly all of them) in a loop: a native write costs more than the copy.
      let i = 0;
      for (; i < chars; i++) {
        const unit = text.charCodeAt(i);
        if (unit >= 0x80) break;
        buffer[at + 1 + i] = unit;
      }
      if (i === chars) {
        buffer[at] = chars;
        this.length = at + 1 + chars;
        return;
      }
    }
    const start = this.length++;
    this.length += this.utf8(text, this.length);
    this.endCount(start, this.length - start - 1);
  }

  /** A FixedString(size) value: the bytes, zero-padded; longer text is refused (the span is counted as failed). */
  fixedString(text: string, size: number): void {
    this.ensure(Math.max(size, text.length * 3));
    const written = this.utf8(text, this.length);
    if (written > size) throw new Error(`a value of ${written} bytes does not fit FixedString(${size})`);
    this.buffer.fill(0, this.length + written, this.length + size);
    this.length += size;
  }

  uint8(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  /** An integer of `size` bytes (1, 2, 4 or 8), little-endian; `signed` for Int*. */
  integer(value: number, size: number, signed: boolean): void {
    this.ensure(size);
    const b = this.buffer;
    const at = this.length;
    if (size === 1) signed ? b.writeInt8(value, at) : b.writeUInt8(value, at);
    else if (size === 2) signed ? b.writeInt16LE(value, at) : b.writeUInt16LE(value, at);
    else if (size === 4) signed ? b.writeInt32LE(value, at) : b.writeUInt32LE(value, at);
    else if (signed) b.writeBigInt64LE(BigInt(value), at);
    else b.writeBigUInt64LE(BigInt(value), at);
    this.length += size;
  }

  /**
   * An HrTime as a 64-bit count of `unitNanos`-nanosecond units (1: DateTime64(9)
   * and nanosecond durations). Nanoseconds since the epoch pass 2^53, so they
   * are built from exact 32-bit halves instead of one JavaScript number.
   */
  hrTime(time: HrTime, unitNanos: number, signed: boolean): void {
    this.ensure(8);
    const seconds = time[0];
    const nanos = time[1];
    if (
      unitNanos === 1 &&
      Number.isInteger(seconds) &&
      Number.isInteger(nanos) &&
      seconds >= 0 &&
      seconds < TWO_POW_32 &&
      nanos >= 0 &&
      nanos < NANOS_PER_SECOND
    ) {
      // ns = high * 2^16 * 1e9 + (low * 1e9 + nanos), with seconds = high * 2^16 + low.
      const high = Math.floor(seconds / TWO_POW_16) * NANOS_PER_SECOND; // < 2^47: exact
      const low = (seconds % TWO_POW_16) * NANOS_PER_SECOND + nanos; // < 2^47: exact
      const lowWord = (high % TWO_POW_16) * TWO_POW_16 + low; // < 2^48: exact
      const carry = Math.floor(lowWord / TWO_POW_32);
      this.buffer.writeUInt32LE(lowWord - carry * TWO_POW_32, this.length);
      this.buffer.writeUInt32LE(Math.floor(high / TWO_POW_16) + carry, this.length + 4);
      this.length += 8;
      return;
    }
    let units = BigInt(Math.trunc(seconds)) * 1_000_000_000n + BigInt(Math.round(nanos));
    if (unitNanos !== 1) units /= BigInt(unitNanos);
    if (signed) this.buffer.writeBigInt64LE(units, this.length);
    else this.buffer.writeBigUInt64LE(units, this.length);
    this.length += 8;
  }

  /** Writes the text's UTF-8 at `at` (capacity ensured by the caller); returns the byte count. */
  private utf8(text: string, at: number): number {
    // Buffer writes a lone surrogate as U+FFFD without telling: counted here.
    if (!(text as unknown as WellFormedString).isWellFormed())
      this.repairs.loneSurrogatesReplaced += loneSurrogates(text);
    return this.buffer.write(text, at);
  }
}
