import type { Attributes, AttributeValue } from '@opentelemetry/api';

/**
 * One attribute value as a Map(…, String) value, the way the OpenTelemetry
 * Collector's ClickHouse exporter writes it: strings as they are, numbers and
 * booleans in their text form, arrays as JSON.
 */
export function attributeValueToString(value: AttributeValue | undefined): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
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
