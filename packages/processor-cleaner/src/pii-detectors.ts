import { isIPv4, isIPv6 } from 'node:net';
import { countrySpecs, isValidIBAN } from 'ibantools';
import { isAsciiAlnum as isAlnum, maskRanges, mergeRanges } from './masked-ranges.js';
import { isValidInternational, isValidNational } from './phone-plans.js';
import type { Detector, Masker } from './secret-detectors.js';
import { HAS_COLON, HAS_DOT, numberFeatures } from './text-features.js';

/**
 * US social security numbers written as SSNs are (`078-05-1120`, `078 05 1120`, `078.05.1120`,
 * one separator throughout), without the numbers the SSA never issues (area 000, 666 and 900-999,
 * group 00, serial 0000). Nine bare digits are left: order ids and timestamps look the same.
 */
const SSN = /(?<![\d.-])(?!000|666|9\d\d)\d{3}([- .])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-]|\.\d)/g;

export const ssn: Detector = {
  name: 'ssn',
  // Nine digits in one run of digits and separators (TextFeatures.numberRunDigits).
  mayFind: (f) => f.digits >= 9 && numberFeatures(f).numberRunDigits >= 9,
  redact(text, mask: Masker) {
    if (text.length < 11) return text;
    const ranges: number[] = [];
    SSN.lastIndex = 0;
    for (let match = SSN.exec(text); match !== null; match = SSN.exec(text))
      ranges.push(match.index, match.index + match[0].length);
    return maskRanges(text, ranges, (s) => mask(s, 'ssn', 'text'));
  },
};

/** A country code and check digits, then the BBAN, electronic or printed in groups of four. */
const IBAN_START = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?=[ -]?[A-Z0-9])/g;

/**
 * IBANs: the country's length from the IBAN registry (ibantools' `countrySpecs`), then the
 * checksum (mod 97) and the country's BBAN format (`isValidIBAN`), so a product code that starts
 * like one stays. Printed ones (`DE89 3704 0044 0532 0130 00`) are read across single spaces or dashes.
 */
export const iban: Detector = {
  name: 'iban',
  // Capitals and check digits, then 15+ characters in a row (electronic) or digits in groups (printed).
  mayFind: (f) => (f.wordRun >= 15 || f.digitChain >= 8) && f.digits >= 2 && numberFeatures(f).ibanStart,
  redact(text, mask: Masker) {
    if (text.length < 15) return text;
    const ranges: number[] = [];
    IBAN_START.lastIndex = 0;
    for (let match = IBAN_START.exec(text); match !== null; match = IBAN_START.exec(text)) {
      const start = match.index;
      const chars = (countrySpecs as Record<string, { chars?: number }>)[match[0].slice(0, 2)]?.chars;
      if (chars === undefined) continue;
      let electronic = '';
      let end = start;
      while (end < text.length && electronic.length < chars) {
        const code = text.charCodeAt(end);
        if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90)) electronic += text[end];
        else if (!((code === 32 || code === 45) && end > start && isAlnum(text.charCodeAt(end + 1)))) break;
        end++;
      }
      if (electronic.length !== chars || (end < text.length && isAlnum(text.charCodeAt(end)))) continue;
      if (!isValidIBAN(electronic)) continue;
      ranges.push(start, end);
      IBAN_START.lastIndex = end;
    }
    return maskRanges(text, ranges, (s) => mask(s, 'iban', 'text'));
  },
};

const IPV4_HINT = /\d\.\d{1,3}\.\d{1,3}\.\d/;
const IPV6_HINT = /::|[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:/;
const IPV4 = /(?<![A-Za-z0-9./_:-])(?:\d{1,3}\.){3}\d{1,3}(?![A-Za-z0-9_-]|\.\d)/g;
/** Hex groups with colons (`::` allowed), an IPv4 tail, a zone: candidates `isIPv6` decides on. */
const IPV6 =
  /(?<![A-Za-z0-9_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:%[A-Za-z0-9]+)?(?![A-Za-z0-9_:]|\.[A-Za-z0-9])/g;

/**
 * IP addresses in free text (logs, exception messages). Not after `/` (a URL's host: the URL
 * rules keep its shape) nor inside dotted names and versions (`Chrome/120.0.0.0`, `1.2.3.4.5`).
 * The network attributes tracing needs (`client.address`, `server.address`,
 * `network.peer.address` and their old names) never reach this detector: the redactor skips it
 * for them (NETWORK_ADDRESS_KEYS).
 */
export const ipAddress: Detector = {
  name: 'ipAddress',
  // Three dots among digits, or two colons among hex digits: every candidate of IPV4 or IPV6 has one.
  mayFind: (f) =>
    (((f.chars & HAS_DOT) !== 0 && f.digits >= 4) || (f.chars & HAS_COLON) !== 0) &&
    (numberFeatures(f).dottedRunDots >= 3 || f.hexRunColons >= 2),
  redact(text, mask: Masker) {
    if (text.length < 2) return text;
    const found: number[] = [];
    // Native checks first: most texts with dots and colons (URLs, versions, times) hold no address.
    if (IPV4_HINT.test(text)) {
      IPV4.lastIndex = 0;
      for (let match = IPV4.exec(text); match !== null; match = IPV4.exec(text))
        if (isIPv4(match[0])) found.push(match.index, match.index + match[0].length);
    }
    if (IPV6_HINT.test(text)) {
      IPV6.lastIndex = 0;
      for (let match = IPV6.exec(text); match !== null; match = IPV6.exec(text)) {
        const candidate = match[0];
        const zone = candidate.indexOf('%');
        // A bare `::` is C++'s and Rust's path separator far more often than the unspecified address.
        if (candidate === '::' || !isIPv6(zone === -1 ? candidate : candidate.slice(0, zone))) continue;
        // An IPv4 tail matched by both is merged into the IPv6 match that covers it.
        found.push(match.index, match.index + candidate.length);
      }
    }
    if (found.length === 0) return text;
    const ranges: number[] = [];
    mergeRanges(found, ranges);
    return maskRanges(text, ranges, (s) => mask(s, 'ipAddress', 'text'));
  },
};

/**
 * Regions a national number (no `+`) is tried in, in order; a number with `+` and its country
 * code needs none. libphonenumber-js's full metadata decides whether the number is one a carrier
 * could assign (numbering plan, length, type).
 */
export const PHONE_REGIONS = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'PH', 'AU'] as const;

/**
 * Candidates: `+` and 7-15 digits in groups; or a national number in groups with separators or
 * parentheses; or 10-11 bare digits, tried only when they start with a trunk `0` (11) or words
 * before them say phone (PHONE_CONTEXT): other bare runs are ids and timestamps.
 */
const PHONE_CANDIDATE =
  /(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{1,5}){1,4}|(?:\(\d{2,5}\)[ .-]?|\d{1,5}[ .-]\(?|0 ?\(\d{2,5}\) ?)\d{2,5}\)?(?:[ .-]\d{2,7}){0,3}|\d{10,11})(?![\w-]|\.\d)/g;
/** Seven or more digits and separators in a row: every candidate has them, most texts with digits do not. */
const PHONE_HINT = /\d[\d ().-]{5,}\d/;
/** Words that say a bare run of 10-11 digits is a phone number (presidio's context words, in short). */
const PHONE_CONTEXT =
  /(?:phone|tel|mobile|cell|number|call|sms|contact|whatsapp|fax)\W{0,3}(?:\w+\W{1,3}){0,3}$/i;
/**
 * Shapes that are something else: an ISO date, a dotted quad (an IP address, or none), an SSN's
 * 3-2-4, and anything that starts with a date (`2024-01-02 12`, `02.01.2024 …`: log timestamps).
 */
const NOT_PHONE =
  /^(?:\d{1,3}(?:\.\d{1,3}){3}$|\d{3}[- .]\d{2}[- .]\d{4}$|(?:19|20)\d\d[-./]\d\d?[-./]\d\d?(?!\d)|\d\d?[-./]\d\d?[-./](?:19|20)\d\d(?!\d))/;

/** Answers by candidate: a number, or a shape that is none, recurs (in one text and across spans). Emptied when full. */
const phoneAnswers = new Map<string, boolean>();
const MAX_PHONE_ANSWERS = 1024;

function isPhoneNumber(candidate: string): boolean {
  const known = phoneAnswers.get(candidate);
  if (known !== undefined) return known;
  const digits = candidate.replace(/\D/g, '');
  let valid = false;
  if (digits.length >= 7 && digits.length <= 15 && !NOT_PHONE.test(candidate)) {
    if (candidate.startsWith('+')) valid = isValidInternational(digits);
    else
      for (const region of PHONE_REGIONS)
        if (isValidNational(digits, region)) {
          valid = true;
          break;
        }
  }
  if (candidate.length <= 32) {
    if (phoneAnswers.size >= MAX_PHONE_ANSWERS) phoneAnswers.clear();
    phoneAnswers.set(candidate, valid);
  }
  return valid;
}

export const phone: Detector = {
  name: 'phone',
  // Every candidate is one run of digits and `+ ().-` with 7+ digits (TextFeatures.numberRunDigits).
  mayFind: (f) => f.digits >= 7 && numberFeatures(f).numberRunDigits >= 7,
  redact(text, mask: Masker) {
    if (text.length < 7 || !PHONE_HINT.test(text)) return text;
    const ranges: number[] = [];
    PHONE_CANDIDATE.lastIndex = 0;
    for (let match = PHONE_CANDIDATE.exec(text); match !== null; match = PHONE_CANDIDATE.exec(text)) {
      const candidate = match[0];
      // Bare digits are ids and timestamps unless the words before say phone (`call 4155550132`).
      const bare = /^\d+$/.test(candidate);
      if (
        bare &&
        !(candidate[0] === '0' && candidate.length === 11) &&
        !PHONE_CONTEXT.test(text.slice(Math.max(0, match.index - 40), match.index))
      )
        continue;
      if (isPhoneNumber(candidate)) ranges.push(match.index, match.index + candidate.length);
    }
    return maskRanges(text, ranges, (s) => mask(s, 'phone', 'text'));
  },
};
