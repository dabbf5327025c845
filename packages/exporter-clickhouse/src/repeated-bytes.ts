import type { RowBinaryWriter } from './row-binary-writer.js';

/**
 * How many values one cache remembers before it starts again. Span names,
 * scope names, statuses and attribute names are few (the cleaner bounds span
 * names), so a few hundred entries hold a service's working set; a cache that
 * fills up (a high-cardinality attribute name set) is emptied, not scanned.
 */
export const REPEATED_BYTES_ENTRIES = 512;
/** Longer values are written afresh each time: caching them would cost memory for little. */
export const REPEATED_BYTES_MAX_LENGTH = 256;

/** A copy of the bytes written since `start` (Buffer's own slice would be a view of the batch). */
const copyOf = (out: RowBinaryWriter, start: number): Uint8Array =>
  Uint8Array.prototype.slice.call(out.buffer, start, out.length);

/**
 * The RowBinary bytes of texts written before, by text: for columns that
 * repeat a few values (span names, scope names, kinds, statuses, callers).
 * Measured in the add-on's app (300 req/s, 5 spans per request) a text is
 * written at ~5 ns per UTF-16 unit, because charCodeAt re-reads a sliced or
 * concatenated string's representation per call; a Map lookup hashes the
 * text natively once and the copy reads a small Uint8Array.
 *
 * The caller writes a text `writeCached` did not have itself, then hands it
 * to `remember` (no callback: the column writers stay one monomorphic path).
 * A text that needed repairs (lone surrogates) is never cached, so each row
 * that carries it counts its repairs again, as an uncached write does.
 */
export class RepeatedTexts {
  private readonly bytes = new Map<string, Uint8Array>();

  /** Writes the text's cached bytes; false when it has none (the caller writes it). */
  writeCached(text: string, out: RowBinaryWriter): boolean {
    const cached = this.bytes.get(text);
    if (cached === undefined) return false;
    out.bytesOf(cached, cached.length);
    return true;
  }

  /** `text` was just written from `start`, with the repair count `repairsBefore` before it. */
  remember(text: string, out: RowBinaryWriter, start: number, repairsBefore: number): void {
    if (text.length > REPEATED_BYTES_MAX_LENGTH || repairsBefore !== out.repairs.loneSurrogatesReplaced)
      return;
    if (this.bytes.size >= REPEATED_BYTES_ENTRIES) this.bytes.clear();
    this.bytes.set(text, copyOf(out, start));
  }
}

/** A map value the pair cache takes: an array is compared by identity and could have been changed in place. */
export type PrimitiveValue = string | number | boolean;

export interface PairSlot {
  /** The value last written under this attribute name; undefined until the first. */
  value: PrimitiveValue | undefined;
  /**
   * Key and value bytes in `bytes[0, length)`, once the same value was written
   * twice in a row; length 0 until then. The array is the slot's own and
   * reused when the value changes: a name whose value alternates must not
   * allocate per span (the pipeline benchmark's spans did, and GC took it back).
   */
  bytes: Uint8Array;
  length: number;
}

const NO_BYTES = new Uint8Array(0);

/**
 * The RowBinary bytes of a map's key-value pairs, by attribute name: for
 * attribute maps, where most names keep their value from span to span
 * (`http.request.method` GET, `server.address`, `url.scheme`). A name's pair
 * is cached once its value repeats, so values that change every span (ports,
 * paths) cost one comparison and no copy. The writer finds a name's slot with
 * one lookup (`slotFor`), copies its bytes when `holds` the value, and else
 * writes the pair and hands the slot to `remember`: values that change every
 * span are most of the misses, and each costs that one lookup.
 */
export class RepeatedPairs {
  private readonly slots = new Map<string, PairSlot>();

  /** The slot of this attribute name, made empty when it had none. */
  slotFor(name: string): PairSlot {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      if (this.slots.size >= REPEATED_BYTES_ENTRIES) this.slots.clear();
      slot = { value: undefined, bytes: NO_BYTES, length: 0 };
      this.slots.set(name, slot);
    }
    return slot;
  }
}

/** Whether the slot's cached bytes are this value's pair. */
export const holds = (slot: PairSlot, value: PrimitiveValue): boolean =>
  slot.length !== 0 && slot.value === value;

/**
 * The slot's pair was just written from `start` with `value`, with the repair count
 * `repairsBefore` before it: kept once the same value comes twice in a row.
 */
export function remember(
  slot: PairSlot,
  value: PrimitiveValue,
  out: RowBinaryWriter,
  start: number,
  repairsBefore: number,
): void {
  if (slot.value !== value) {
    slot.value = value;
    slot.length = 0;
    return;
  }
  const length = out.length - start;
  if (length > REPEATED_BYTES_MAX_LENGTH || repairsBefore !== out.repairs.loneSurrogatesReplaced) return;
  if (slot.bytes.length < length)
    slot.bytes = new Uint8Array(Math.min(REPEATED_BYTES_MAX_LENGTH, length * 2));
  slot.bytes.set(out.buffer.subarray(start, out.length));
  slot.length = length;
}
