import type { Attributes, AttributeValue } from '@opentelemetry/api';

/**
 * One attribute value as a Map(…, String) value, the way the OpenTelemetry
 * Collector's ClickHouse exporter writes it: strings as they are, numbers and
 * booleans in their text form, arrays as JSON.
 */
export function attributeValueToString(value: AttributeValue | undefined): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return arrayText(value);
  return String(value);
}

function arrayText(value: readonly unknown[]): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // JSON.stringify refuses BigInts (decoded data assigned into attributes can hold them);
    // anything else it refuses (a cycle) stays an error.
    if (!(error instanceof TypeError) || !/BigInt/.test(error.message)) throw error;
    return jsonText(value, []);
  }
}

/**
 * JSON as JSON.stringify writes it, but a BigInt as its decimal digits, the
 * way the Collector writes an integer inside an array value: `[1,12345678901234567890]`.
 */
function jsonText(value: unknown, ancestors: object[]): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return jsonText(toJSON.call(value), ancestors);
  if (ancestors.includes(value)) throw new TypeError('Converting circular structure to JSON');
  ancestors.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((item) => jsonText(item, ancestors)).join(',')}]`;
  } else {
    const members: string[] = [];
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      members.push(`${JSON.stringify(key)}:${jsonText(item, ancestors)}`);
    }
    out = `{${members.join(',')}}`;
  }
  ancestors.pop();
  return out;
}

/** Attributes as a plain object of strings, ready for a Map(LowCardinality(String), String) column. */
export function attributesToStringMap(attributes: Attributes | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!attributes) return out;
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = attributeValueToString(value);
  }
  return out;
}
