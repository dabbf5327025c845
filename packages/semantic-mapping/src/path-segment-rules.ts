/**
 * The built-in rules that turn the variable segments of a URL path into placeholders, so a
 * path without `http.route` still names a bounded set of endpoints from its first request. One
 * table drives the mapping's fallback (`templatePath`), the cleaner's `url.template`, the
 * cleaner README's table (`renderPathSegmentRulesTable`, checked by a test) and the tests (each
 * rule's examples), so the four cannot drift.
 *
 * Peers do the same with fixed patterns: Datadog's quantization (`{guid}`, `{num}` for 6+ digit
 * numbers), Sentry Relay's scrubbing of UUIDs, integer ids and hashes before its clusterer, the
 * Elastic RUM agent's digit and character-class heuristics. Like them, a segment is variable by its
 * shape only; what shape cannot tell (a plain package name) is left to the cleaner's guard and to
 * user patterns (`TRACEPOINT_PATH_PATTERNS`).
 */
export const PATH_PLACEHOLDER = '{id}';
export const VERSION_PLACEHOLDER = '{version}';
export const NAME_PLACEHOLDER = '{name}';
export const SCOPE_PLACEHOLDER = '{scope}';

export interface PathSegmentRule {
  readonly name: string;
  /** What the rule matches and writes, for the README. */
  readonly produces: string;
  /** Path -> template; the tests run them through the mapping and the cleaner. */
  readonly examples: readonly { readonly path: string; readonly expected: string }[];
}

// Whole segments. A version is three dot-separated numbers (semver, optional `v`, pre-release and
// build); `1.2` stays a number, dates (`2024-11-24`) stay ids.
const VERSION = /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
// A file named by a stem and a version: `tp-demo-a-1.2.0.tgz`, `app_v2.0.1-rc.1.tar.gz`.
const VERSIONED_FILE =
  /^(.+?)([-_.@]v?)\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]*?)?((?:\.[A-Za-z][A-Za-z0-9]{0,7}){1,2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{8,}$/i;
// Tokens and base64(url) hashes: 16+ characters of the alphabet, padding included.
const TOKEN = /^[A-Za-z0-9_+=-]{16,}$/;
const NUMERIC = /^[0-9][0-9.,:_-]*$/;
/**
 * Longest segment the version rules' regexes see: their lazy groups backtrack, so a hostile
 * segment of thousands of dots and digits would cost quadratic time on the app's thread. A
 * longer segment gets only the linear id tests.
 */
const MAX_VERSIONED_SEGMENT = 128;
// `%2f` or `%2F`: the slash of a scoped package name as npm clients send it (`@scope%2fname`).
const ENCODED_SLASH = /%2f/i;

export const PATH_SEGMENT_RULES: readonly PathSegmentRule[] = [
  {
    name: 'scoped package',
    produces:
      'a segment starting with `@` (or `%40`) and the one after it: `@{scope}/{name}`; one segment with an encoded slash: `@{scope}%2f{name}`',
    examples: [
      { path: '/@acme/widget', expected: '/@{scope}/{name}' },
      { path: '/@acme%2fwidget', expected: '/@{scope}%2f{name}' },
      { path: '/%40acme%2Fwidget/latest', expected: '/@{scope}%2f{name}/latest' },
    ],
  },
  {
    name: 'versioned file',
    produces:
      'a file name with a version before its extension: `{name}-{version}.tgz`; an earlier segment equal to the stem is `{name}` too',
    examples: [
      { path: '/tp-demo-a/-/tp-demo-a-1.2.0.tgz', expected: '/{name}/-/{name}-{version}.tgz' },
      {
        path: '/@acme/widget/-/widget-2.0.0-beta.1.tgz',
        expected: '/@{scope}/{name}/-/{name}-{version}.tgz',
      },
      { path: '/downloads/tool_v10.100.3.tar.gz', expected: '/downloads/{name}_v{version}.tar.gz' },
    ],
  },
  {
    name: 'version',
    produces: 'a semantic version (`1.2.0`, `v2.0.0-rc.1`): `{version}`',
    examples: [{ path: '/tp-demo-a/1.2.0', expected: '/tp-demo-a/{version}' }],
  },
  {
    name: 'id',
    produces:
      'numbers, UUIDs, hex strings (8+), dates, tokens and base64 hashes (16+ characters with a digit), emails and prefixed ids with 3+ digits in a row (`SKU-0142`): `{id}`',
    examples: [
      { path: '/users/123/orders/9', expected: '/users/{id}/orders/{id}' },
      {
        path: '/-/npm/v1/tokens/token/8f14e45f-ceea-467f-a0e6-5e8b5b1a2c3d',
        expected: '/-/npm/v1/tokens/token/{id}',
      },
      { path: '/blobs/sha256:9f86d081884c7d65', expected: '/blobs/{id}' },
      { path: '/users/ann%40example.com', expected: '/users/{id}' },
    ],
  },
];

/**
 * Whether one path segment is an id-like value (number, uuid, hex, date,
 * token, email, or 3+ digits in a row) rather than a fixed name. Business ids
 * mix a prefix with a number (SKU-0142, ord_20931, INV2024001); names rarely
 * carry 3 digits in a row (v1, oauth2, ipv6).
 */
export function isVariableSegment(segment: string): boolean {
  // One pass over the characters answers the common cases without a regex: no digit and no @
  // (most segments of a template: false), an @ (email: true), 3 digits in a row (which every
  // date's year has too: true). Only a segment with a digit or two left goes to the patterns
  // (the cleaner's path templating spent 0.6 µs per span here with a regex for each test).
  let digits = 0;
  let run = 0;
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      digits++;
      if (++run === 3) return true;
    } else {
      if (code === 64) return true;
      // `%40`, a percent-encoded @ (an email in a path); its digits are not a run.
      if (code === 37 && segment.charCodeAt(i + 1) === 52 && segment.charCodeAt(i + 2) === 48) return true;
      run = 0;
    }
  }
  if (digits === 0) return false;
  return UUID.test(segment) || HEX.test(segment) || TOKEN.test(segment) || NUMERIC.test(segment);
}

/** `@x` or `%40x`: a scope (the segment after it is the package). */
function isScope(segment: string): boolean {
  const first = segment.charCodeAt(0);
  if (first === 64) return segment.length > 1;
  return first === 37 && segment.length > 3 && segment[1] === '4' && segment[2] === '0';
}

/** A segment with a `.` and a digit: the only ones the version rules can match. */
function mayHoldVersion(segment: string): boolean {
  let dot = false;
  let digit = false;
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code === 46) dot = true;
    else if (code >= 48 && code <= 57) digit = true;
    if (dot && digit) return true;
  }
  return false;
}

/**
 * Applies PATH_SEGMENT_RULES to the segments of a path (`path.split('/')`), in place: a segment a
 * rule matched holds its placeholder text, every other one stays the same string. A segment is
 * tested with character scans first; a regex runs only on the segments a scan let through.
 */
export function templateSegments(segments: string[]): void {
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment === '') continue;
    if (isScope(segment)) {
      if (ENCODED_SLASH.test(segment)) segments[i] = `@${SCOPE_PLACEHOLDER}%2f${NAME_PLACEHOLDER}`;
      else {
        const next = segments[i + 1];
        if (next === undefined || next === '' || isVariableSegment(next)) {
          segments[i] = `@${NAME_PLACEHOLDER}`;
        } else {
          segments[i] = `@${SCOPE_PLACEHOLDER}`;
          segments[i + 1] = NAME_PLACEHOLDER;
          i++;
        }
      }
      continue;
    }
    if (segment.length <= MAX_VERSIONED_SEGMENT && mayHoldVersion(segment)) {
      const file = VERSIONED_FILE.exec(segment);
      if (file !== null) {
        const stem = file[1] as string;
        segments[i] = `${NAME_PLACEHOLDER}${file[2]}${VERSION_PLACEHOLDER}${file[3]}`;
        // The package directory that holds its tarball (`/tp-demo-a/-/tp-demo-a-1.2.0.tgz`).
        for (let j = 0; j < i; j++) if (segments[j] === stem) segments[j] = NAME_PLACEHOLDER;
        continue;
      }
      if (VERSION.test(segment)) {
        segments[i] = VERSION_PLACEHOLDER;
        continue;
      }
    }
    if (isVariableSegment(segment)) segments[i] = PATH_PLACEHOLDER;
  }
}

/**
 * The rules as a Markdown table. The cleaner's README holds it between
 * `<!-- path-segment-rules:start -->` and `<!-- path-segment-rules:end -->`; a test fails when they differ.
 */
export function renderPathSegmentRulesTable(): string {
  return [
    '| Order | Rule | Matches and writes | Example |',
    '| --- | --- | --- | --- |',
    ...PATH_SEGMENT_RULES.map((rule, i) => {
      const example = rule.examples[0] as { path: string; expected: string };
      return `| ${i + 1} | ${rule.name} | ${rule.produces} | \`${example.path}\` → \`${example.expected}\` |`;
    }),
  ].join('\n');
}
