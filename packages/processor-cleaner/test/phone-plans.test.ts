import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { isValidInternational, isValidNational } from '../src/phone-plans.js';
import { PHONE_REGIONS, phone } from '../src/pii-detectors.js';
import type { Masker } from '../src/secret-detectors.js';

// phone-plans.ts compiles libphonenumber-js's metadata once instead of letting the library rebuild
// its regexes on every call; these tests hold its answers to the library's own.

/** Deterministic digit strings: what a scan meets (ids, dates, amounts) and real numbers alike. */
function digitStrings(count: number, seed: number): string[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = 7 + ((next() >> 16) % 9);
    let digits = '';
    for (let k = 0; k < length; k++) digits += String((next() >> 16) % 10);
    out.push(digits);
  }
  return out;
}

const mobileExamples = Object.values(examples as Record<string, string>);

describe('compiled numbering plans', () => {
  it('agree with libphonenumber-js on national numbers in every region tried', () => {
    const wrong: string[] = [];
    let valid = 0;
    const national = [...digitStrings(3000, 7), ...mobileExamples, ...mobileExamples.map((n) => `0${n}`)];
    for (const digits of national)
      for (const region of PHONE_REGIONS) {
        const library = parsePhoneNumberFromString(digits, region)?.isValid() === true;
        if (library) valid++;
        if (isValidNational(digits, region) !== library) wrong.push(`${region} ${digits} library=${library}`);
      }
    expect(wrong.slice(0, 10)).toEqual([]);
    // Both answers occur, so agreement is not a constant.
    expect(valid).toBeGreaterThan(100);
  });

  it('agree with libphonenumber-js on international numbers', () => {
    const wrong: string[] = [];
    let valid = 0;
    const codes = ['1', '44', '49', '33', '91', '55', '63', '61', '972', '86', '7', '380'];
    const international = digitStrings(3000, 11).map((digits, i) => `${codes[i % codes.length]}${digits}`);
    for (const digits of international) {
      const library = parsePhoneNumberFromString(`+${digits}`)?.isValid() === true;
      if (library) valid++;
      if (isValidInternational(digits) !== library) wrong.push(`+${digits} library=${library}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(valid).toBeGreaterThan(50);
  });
});

describe('phone detector', () => {
  const mask: Masker = (_secret, rule) => `[REDACTED:${rule}]`;
  it('masks numbers carriers could assign, national and international', () => {
    expect(phone.redact('call me at (415) 555-0132 today', mask)).toBe('call me at [REDACTED:phone] today');
    expect(phone.redact('reach +44 20 7946 0958 now', mask)).toBe('reach [REDACTED:phone] now');
    expect(phone.redact('PH 0917 123 4567', mask)).toBe('PH [REDACTED:phone]');
  });

  it('keeps log timestamps and dates, which the numbering plans would take for numbers', () => {
    for (const text of [
      'order 2024-01-02 12:30:45 done',
      'at 2024-01-02 12 UTC',
      'due 02.01.2024 1200',
      'run 2025/11/30 0815 ok',
    ])
      expect(phone.redact(text, mask)).toBe(text);
  });
});
