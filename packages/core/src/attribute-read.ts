import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { AttributeAlternatives } from './attribute-names.js';

function scalarText(value: AttributeValue | undefined): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** The first of the alternative names that holds a non-empty scalar, as text. */
export function readFirst(attributes: Attributes, names: AttributeAlternatives): string | undefined {
  for (let i = 0; i < names.length; i++) {
    const text = scalarText(attributes[names[i] as string]);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Which of the alternative names holds the value (for the params map). */
export function firstPresentName(attributes: Attributes, names: AttributeAlternatives): string | undefined {
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (attributes[name] !== undefined && attributes[name] !== null) return name;
  }
  return undefined;
}
