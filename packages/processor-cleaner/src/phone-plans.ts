import { Metadata, type MetadataJson } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/max/metadata';

/**
 * Numbering plans from libphonenumber-js's full metadata, compiled once per country. The library's
 * own `parsePhoneNumberFromString(…).isValid()` builds its validation regexes from the metadata on
 * every call: 8-25 µs a check on Node 20 here, 40-90 µs for a candidate tried in several regions,
 * ten times the cleaner's whole cost per span. The same tests on regexes built once take well
 * under a microsecond. A test checks that the answers agree with the library's.
 */

/** The number types the library tries (helpers/getNumberType.js): valid means one of them matches. */
const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;

/** The parts of the library's Metadata class read here (its typings declare fewer). */
interface MetadataReader {
  selectNumberingPlan(country: string): void;
  nationalNumberPattern(): string;
  numberingPlan: {
    nationalPrefixForParsing(): string | undefined;
    IDDPrefix(): string | undefined;
    nationalPrefixTransformRule(): string | undefined;
    callingCode(): string;
    possibleLengths(): number[] | undefined;
  };
  hasTypes(): boolean;
  type(type: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
  countryCallingCodes(): Record<string, string[]>;
}

interface TypeRule {
  readonly pattern: RegExp;
  readonly lengths: readonly number[] | undefined;
}

interface CompiledPlan {
  /** National number lengths the plan allows (undefined: any): a cheap test before the patterns. */
  readonly lengths: ReadonlySet<number> | undefined;
  /** The shortest of them: a shorter national number (or one shortened by a prefix) cannot match. */
  readonly minLength: number;
  readonly national: RegExp;
  /** Undefined where the metadata has no type patterns: the national pattern decides alone. */
  readonly types: readonly TypeRule[] | undefined;
  /** The national (trunk) prefix as the library reads it (`0`, `1`, `(183[12])|0`), anchored. */
  readonly nationalPrefix: RegExp | undefined;
  /** What replaces the prefix, where it holds more than the trunk digit (Brazil's carrier codes: `$2`). */
  readonly nationalPrefixTransform: string | undefined;
  /** The prefix for calling abroad (`011`, `00`), anchored: `00 44 …` written nationally is international. */
  readonly internationalPrefix: RegExp | undefined;
  readonly callingCode: string;
}

const metadata = new Metadata(metadataJson as unknown as MetadataJson) as unknown as MetadataReader;
const plans = new Map<string, CompiledPlan>();

const leading = (pattern: string | undefined) => (pattern ? new RegExp(`^(?:${pattern})`) : undefined);

function planOf(country: string): CompiledPlan {
  const known = plans.get(country);
  if (known !== undefined) return known;
  metadata.selectNumberingPlan(country);
  const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
  let types: TypeRule[] | undefined;
  if (metadata.hasTypes()) {
    types = [];
    for (const name of NUMBER_TYPES) {
      const type = metadata.type(name);
      const pattern = type?.pattern();
      if (type !== undefined && pattern)
        types.push({ pattern: whole(pattern), lengths: type.possibleLengths() });
    }
  }
  const lengths = metadata.numberingPlan.possibleLengths();
  const plan: CompiledPlan = {
    lengths: lengths === undefined ? undefined : new Set(lengths),
    minLength: lengths === undefined || lengths.length === 0 ? 0 : Math.min(...lengths),
    national: whole(metadata.nationalNumberPattern()),
    types,
    nationalPrefix: leading(metadata.numberingPlan.nationalPrefixForParsing()),
    nationalPrefixTransform: metadata.numberingPlan.nationalPrefixTransformRule() || undefined,
    internationalPrefix: leading(metadata.numberingPlan.IDDPrefix()),
    callingCode: metadata.numberingPlan.callingCode(),
  };
  plans.set(country, plan);
  return plan;
}

function matchesPlan(national: string, plan: CompiledPlan): boolean {
  if (plan.lengths?.has(national.length) === false || !plan.national.test(national)) return false;
  if (plan.types === undefined) return true;
  for (const type of plan.types)
    if ((type.lengths === undefined || type.lengths.includes(national.length)) && type.pattern.test(national))
      return true;
  return false;
}

/** The national number without its trunk prefix, when it has one. */
function withoutNationalPrefix(digits: string, plan: CompiledPlan, transformed: boolean): string | undefined {
  const match = plan.nationalPrefix?.exec(digits);
  if (!match?.[0]) return undefined;
  const rest = digits.slice(match[0].length);
  const transform = plan.nationalPrefixTransform;
  if (!transformed || transform === undefined || match[1] === undefined) return rest;
  return transform.replace(/\$(\d)/g, (_, group: string) => match[Number(group)] ?? '') + rest;
}

/** Per calling code, the plans of the countries sharing it (the main one first). */
const plansByCode = new Map<string, readonly CompiledPlan[] | null>();

function plansOf(callingCode: string): readonly CompiledPlan[] | undefined {
  let known = plansByCode.get(callingCode);
  if (known === undefined) {
    const countries = metadata.countryCallingCodes()[callingCode];
    known = countries === undefined ? null : countries.map(planOf);
    plansByCode.set(callingCode, known);
  }
  return known ?? undefined;
}

/** Whether `national` is valid in one of `plans`, as it is or without that country's trunk prefix. */
function validInCountries(national: string, plans: readonly CompiledPlan[]): boolean {
  for (const plan of plans) {
    if (national.length < plan.minLength) continue;
    if (matchesPlan(national, plan)) return true;
    const stripped = withoutNationalPrefix(national, plan, false);
    if (stripped !== undefined && matchesPlan(stripped, plan)) return true;
  }
  return false;
}

/** Whether `national` is valid as it is in one of `plans`. */
function validAsIs(national: string, plans: readonly CompiledPlan[]): boolean {
  for (const plan of plans) if (national.length >= plan.minLength && matchesPlan(national, plan)) return true;
  return false;
}

/**
 * Whether `digits`, written as in `country` (no `+`), is a valid number, read as the library reads
 * it: with or without the trunk prefix, in any country sharing the calling code (`468…` is Canadian
 * under `US`), after the international prefix (`00 686…`), or after the calling code itself (`61 4…` in AU).
 */
export function isValidNational(digits: string, country: string): boolean {
  const plan = planOf(country);
  const countries = plansOf(plan.callingCode) ?? [plan];
  if (validAsIs(digits, countries)) return true;
  // The trunk prefix is read by the given country's rule only (with its transform: Brazil's
  // carrier codes), as the library does with a default country.
  const stripped = withoutNationalPrefix(digits, plan, true);
  if (stripped !== undefined && validAsIs(stripped, countries)) return true;
  const abroad = plan.internationalPrefix?.exec(digits)?.[0];
  if (abroad && isValidInternational(digits.slice(abroad.length))) return true;
  return (
    digits.startsWith(plan.callingCode) && validInCountries(digits.slice(plan.callingCode.length), countries)
  );
}

/** Whether `digits` (what follows a `+`: calling code, then the national number) is a valid number. */
export function isValidInternational(digits: string): boolean {
  for (let length = 1; length <= 3 && length < digits.length; length++) {
    const plans = plansOf(digits.slice(0, length));
    if (plans !== undefined && validInCountries(digits.slice(length), plans)) return true;
  }
  return false;
}
