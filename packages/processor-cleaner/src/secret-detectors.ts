import type { DetectorName } from './detector-names.js';
import { isAsciiAlnum as isAlnum, maskRanges } from './masked-ranges.js';
import { iban, ipAddress, phone, ssn } from './pii-detectors.js';
import { LETTER_ORDER } from './provider-key-markers.js';
import { PROVIDER_KEYWORDS } from './provider-key-rules.js';
import { findProviderKeys } from './provider-key-scan.js';
import {
  HAS_AT,
  HAS_BLANK,
  HAS_COLON,
  HAS_DASH,
  HAS_DOT,
  HAS_EQUALS,
  HAS_PERCENT,
  type TextFeatures,
} from './text-features.js';

/**
 * Replaces one found secret. `url` style is for parts of a URL (userinfo,
 * query values), where the semantic conventions write `REDACTED`.
 */
export type Masker = (secret: string, rule: DetectorName, style: 'text' | 'url') => string;

export interface Detector {
  readonly name: DetectorName;
  /**
   * The prefilter: false only when `redact` would surely give the text back unchanged. Each
   * detector's condition is read from its own early returns and patterns beside it (a test checks
   * it against the full scan over the corpus and random and hostile texts).
   */
  mayFind(features: TextFeatures): boolean;
  /**
   * Returns the text with its secrets masked; the same text when none was found. `features`, when
   * given, are the text's (the redactor computed them for the prefilter): a detector may use them
   * to skip a scan, never to find more.
   */
  redact(text: string, mask: Masker, features?: TextFeatures): string;
}

/** Values an earlier detector (or run) already wrote; never masked twice. */
function isMasked(value: string): boolean {
  return value === 'REDACTED' || value.startsWith('[REDACTED') || value.startsWith('hmac:');
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Masks capture group `group` (0: the whole match) of every match `accept` agrees to. */
function replaceMatches(
  text: string,
  regexp: RegExp,
  group: number | ((match: RegExpExecArray) => string | undefined),
  mask: (secret: string) => string,
  accept: (match: RegExpExecArray) => boolean = () => true,
): string {
  regexp.lastIndex = 0;
  let out = '';
  let from = 0;
  for (let match = regexp.exec(text); match !== null; match = regexp.exec(text)) {
    if (match[0] === '') {
      regexp.lastIndex++;
      continue;
    }
    const secret = typeof group === 'number' ? match[group] : group(match);
    if (secret === undefined || secret === '' || isMasked(secret) || !accept(match)) continue;
    const start = match.index + (group === 0 ? 0 : match[0].lastIndexOf(secret));
    out += text.slice(from, start) + mask(secret);
    from = start + secret.length;
  }
  return from === 0 ? text : out + text.slice(from);
}

// PEM (`-----BEGIN RSA PRIVATE KEY-----`) and OpenPGP armor (`-----BEGIN PGP PRIVATE KEY BLOCK-----`).
const PRIVATE_KEY =
  /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;

const privateKey: Detector = {
  name: 'privateKey',
  // `PRIVATE KEY-----`
  mayFind: (f) => (f.chars & (HAS_BLANK | HAS_DASH)) === (HAS_BLANK | HAS_DASH),
  redact: (text, mask) =>
    text.includes('PRIVATE KEY')
      ? replaceMatches(text, PRIVATE_KEY, 0, (s) => mask(s, 'privateKey', 'text'))
      : text,
};

const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

/** `scheme://user:password@host` → `scheme://REDACTED:REDACTED@host`, as the URL semantic conventions ask. */
const urlCredentials: Detector = {
  name: 'urlCredentials',
  // `://` and `@`
  mayFind: (f) => (f.chars & (HAS_AT | HAS_COLON)) === (HAS_AT | HAS_COLON),
  redact(text, mask) {
    if (!text.includes('://') || !text.includes('@')) return text;
    const ranges: number[] = [];
    for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', at + 3)) {
      if (at === 0 || !SCHEME_CHAR.test(text[at - 1] as string)) continue;
      const start = at + 3;
      let end = start;
      while (end < text.length && !'/?#@ \t\r\n"\'<>'.includes(text[end] as string)) end++;
      if (text[end] === '@' && end > start) ranges.push(start, end);
    }
    return maskRanges(text, ranges, (userinfo) => {
      const secret = mask(userinfo, 'urlCredentials', 'url');
      return userinfo.includes(':') ? `${secret}:${secret}` : secret;
    });
  },
};

/** Query or form parameter names whose values are credentials. */
const SECRET_PARAMS = new Set([
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'auth',
  'authorization',
  'key',
  'apikey',
  'api-key',
  'password',
  'passwd',
  'pwd',
  'pass',
  'secret',
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
  'awsaccesskeyid',
  'code',
  'session',
  'sessionid',
  'session_id',
  'jwt',
  'credential',
  'credentials',
  'private_key',
]);
const SECRET_PARAM_SUFFIX = /(?:^|[_.-])(?:token|secret|password|passwd|signature|api_?key|access_?key)$/;
export const PARAM_NAME_CHAR = /[A-Za-z0-9_.[\]-]/;
export const PARAM_BOUNDARY = '?&;#, \t\r\n"\'';
export const PARAM_VALUE_END = '&#;, \t\r\n"\'<>';

/**
 * The three character sets above as one table by ASCII code (bit 1 name, 2 boundary, 4 value
 * end), built from them: the walks test every character of a query string, and a regex call or
 * `includes` per character was most of this detector's time.
 */
const PARAM_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  PARAM_CLASS[code] =
    (PARAM_NAME_CHAR.test(char) ? 1 : 0) |
    (PARAM_BOUNDARY.includes(char) ? 2 : 0) |
    (PARAM_VALUE_END.includes(char) ? 4 : 0);
}

/** Whether the character at `index` (a code unit; none past the end) is in class `bit`. */
export function paramClass(text: string, index: number, bit: number): boolean {
  const code = text.charCodeAt(index);
  return code < 128 && ((PARAM_CLASS[code] as number) & bit) !== 0;
}

/** Answers by parameter name (names are few and repeat on every URL; at most 64 characters each). Emptied when full. */
const secretParameterAnswers = new Map<string, boolean>();
const MAX_PARAMETER_ANSWERS = 1024;

export function isSecretParameter(name: string): boolean {
  const known = secretParameterAnswers.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  const secret = SECRET_PARAMS.has(lower) || SECRET_PARAM_SUFFIX.test(lower);
  if (name.length <= 64) {
    if (secretParameterAnswers.size >= MAX_PARAMETER_ANSWERS) secretParameterAnswers.clear();
    secretParameterAnswers.set(name, secret);
  }
  return secret;
}

/** A template's stand-in for the value (`{token}`, `${TOKEN}`, `{{token}}`, `<token>`, `%s`, `:token`), not a value. */
const URL_TEMPLATE_VALUE = /^(?:\$?\{[^}]*\}+|<[^>]*>|%s|:[A-Za-z_]\w*)$/;

/** `?token=abc&page=2` → `?token=REDACTED&page=2`: values of credential-named parameters, in URLs, query strings and form bodies. */
const urlQuery: Detector = {
  name: 'urlQuery',
  mayFind: (f) => (f.chars & HAS_EQUALS) !== 0,
  redact(text, mask) {
    if (!text.includes('=')) return text;
    const ranges: number[] = [];
    for (let eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
      let nameStart = eq;
      while (nameStart > 0 && eq - nameStart < 64 && paramClass(text, nameStart - 1, 1)) nameStart--;
      if (nameStart === eq || (nameStart > 0 && !paramClass(text, nameStart - 1, 2))) continue;
      if (!isSecretParameter(text.slice(nameStart, eq))) continue;
      let end = eq + 1;
      while (end < text.length && !paramClass(text, end, 4)) end++;
      const value = text.slice(eq + 1, end);
      if (
        value !== '' &&
        !isMasked(value) &&
        !URL_TEMPLATE_VALUE.test(value) &&
        (ranges.length === 0 || (ranges[ranges.length - 1] as number) <= eq)
      ) {
        ranges.push(eq + 1, end);
      }
      eq = end - 1;
    }
    return maskRanges(text, ranges, (value) => mask(value, 'urlQuery', 'url'));
  },
};

// Real headers and claims are 10+ characters (`{"alg":"x"}`); `eyJBB.eyJCC.x` is a doc's stand-in.
const JWT = /eyJ[A-Za-z0-9_-]{7,}\.eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]*/g;

const jwt: Detector = {
  name: 'jwt',
  // `eyJ` and two more word characters, then a dot.
  mayFind: (f) => (f.chars & HAS_DOT) !== 0 && f.wordRun >= 5,
  redact: (text, mask) =>
    text.includes('eyJ') ? replaceMatches(text, JWT, 0, (s) => mask(s, 'jwt', 'text')) : text,
};

const AUTH_SCHEME = /\b(Bearer|Token|Basic)[ \t]+([A-Za-z0-9._~+/-]+=*)/gi;
const DIGEST_AUTH = /\bDigest[ \t]+([^\r\n]*username=[^\r\n]*)/gi;
const TOKEN_MARK = /[0-9._~+/=-]/;

function isBasicCredential(encoded: string): boolean {
  if (encoded.length < 8 || !/^[A-Za-z0-9+/]+=*$/.test(encoded)) return false;
  return Buffer.from(encoded, 'base64').toString('latin1').includes(':');
}

/** `Authorization` values: `Bearer <token>`, `Token <token>`, `Basic base64(user:pass)`, `Digest …`. */
const authHeader: Detector = {
  name: 'authHeader',
  // Both patterns need blanks after the scheme.
  mayFind: (f) => (f.chars & HAS_BLANK) !== 0,
  redact(text, mask) {
    if (text.length < 14) return text;
    const masked = (s: string) => mask(s, 'authHeader', 'text');
    const out = replaceMatches(text, AUTH_SCHEME, 2, masked, (match) => {
      const scheme = (match[1] as string).toLowerCase();
      const credential = match[2] as string;
      if (scheme === 'basic') return isBasicCredential(credential);
      // Opaque tokens carry digits or punctuation; English words after "bearer"/"token" do not.
      return credential.length >= 8 && TOKEN_MARK.test(credential);
    });
    return out.includes('igest') ? replaceMatches(out, DIGEST_AUTH, 1, masked) : out;
  },
};

const cloudKey: Detector = {
  name: 'cloudKey',
  // A prefix rule's match holds a run of MIN_RUN word characters (a test checks their examples); a
  // marker rule runs only where its marker's pair is (findProviderKeys reads the same features).
  mayFind: (f) => f.longRunCount > 0 || f.markers !== 0,
  redact(text, mask, features) {
    if (text.length < 12) return text;
    const ranges: number[] = [];
    findProviderKeys(text, ranges, features);
    return maskRanges(text, ranges, (s) => mask(s, 'cloudKey', 'text'));
  },
};

/**
 * `password: x`, `"client_secret":"x"`, `aws_secret_access_key = x`, `password := "two words"`,
 * `db_pass: x`, `userPassword=x`, `"Authorization": "x"` in free text (logs, config dumps, JSON,
 * Go, YAML). The name starts at a name boundary and its prefix is bounded, so the scan stays
 * linear; the value is the quoted text when quoted (spaces and all), else up to a delimiter.
 * Names that say token, key or auth need a value of 8+ characters, so `max_tokens: 512` stays;
 * names that say public (`public_key`, `publicToken`, `publishable_key`) are no secret.
 */
const ASSIGNMENT =
  /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]{0,40}?(password|passwd|pwd|passphrase|pass|pw|secrete?|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|authorization|auth|credentials?|key)(?:[_.-][A-Za-z0-9]+){0,3})(?:\[\d*\])?(["']?)[ \t]*(:::=|::=|:=|\?=|=>|===?|!==?|:|=)[ \t]*(?:@?"([^"\r\n]*)"|@?'([^'\r\n]*)'|`([^`\r\n]*)`|([^\s"',;&`]+))/gi;
// The names' cores, so a text without any skips the patterns below (`http` or `curl` here made every
// URL run the assignment pattern; the providers' names are found from the operators instead).
const SECRET_NAME_CORES = ['pass', 'pwd', 'pw', 'secret', 'token', 'key', 'auth', 'credential'] as const;
const ASSIGNMENT_HINT = new RegExp(SECRET_NAME_CORES.join('|'), 'i');
/** Placeholders and non-values after a secret's name: `?`, `$1`, `:pw`, `%s`, `{{x}}`, `<pw>`, `[PASSWORD]`, `null`, `***`. */
const NO_SECRET_VALUE = /^(?:[?$:@%{<[]|\*+$|(?:null|none|nil|undefined|true|false|redacted|\[redacted.*)$)/i;
/** Words after the secret's name that make it about the secret, not the secret (`token_type`, `password_reset_url`). */
const ABOUT_THE_SECRET =
  /[_.-]?(?:type|count|ttl|expires?|expiry|expiration|length|len|limit|usage|hint|names?|ids?|url|uri|file|path|field|policy|reset|required|min|max|enabled|changed|updated|at|endpoint|header|prefix|version|format|size|mode|strength|rules?|regex|pattern|label|placeholder|input)$/i;
/** What a value under a bare `key` name must look like to be a credential: 16+ token characters, no path or dots. */
const BARE_KEY_VALUE = /^[A-Za-z0-9_+=-]{16,}$/;
/** An unquoted value that is code, not a literal: `get_secret()`, `request.headers["apikey"]`, `os.environ[...]`. */
const CODE_VALUE = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*[([]/;
/** A token-like value after a provider's name (PROVIDER_KEYWORDS): digits or punctuation in it, no spaces, no URL. */
const PROVIDER_ASSIGNMENT = new RegExp(
  `(?<![A-Za-z0-9])([A-Za-z0-9_.-]{0,40}?(?:${PROVIDER_KEYWORDS.join('|')})[A-Za-z0-9_.-]{0,40})(["']?)[ \\t]*(?::::?=|::=|:=|\\?=|=>|:|=)[ \\t]*(?:"([^"\\r\\n]*)"|'([^'\\r\\n]*)'|([^\\s"',;&\`]+))`,
  'gi',
);
/** From a name's start, whether it holds a secret's core (ASSIGNMENT_HINT) or a provider's name: sticky, so no slice. */
const SECRET_NAME_AT = new RegExp(`[A-Za-z0-9_.-]*?(?:${ASSIGNMENT_HINT.source})`, 'iy');
const PROVIDER_NAME_AT = new RegExp(`[A-Za-z0-9_.-]*?(?:${PROVIDER_KEYWORDS.join('|')})`, 'iy');
/** `operatorNames` bits. */
const SECRET_NAME = 1;
const PROVIDER_NAME = 2;

const isOperatorChar = (code: number) => code === 58 || code === 61 || code === 63 || code === 33;
/** Name characters as 1-39 (letters folded to lower case), 0 for the rest: NAME_PAIRS' index. */
const NAME_CODE = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code).toLowerCase();
  const at = 'abcdefghijklmnopqrstuvwxyz0123456789_.-'.indexOf(char);
  NAME_CODE[code] = at + 1;
}
/**
 * Per triple of name characters (rarest by LETTER_ORDER), SECRET_NAME for the rarest triple of each secret core and
 * PROVIDER_NAME for that of each provider keyword: a name holding a word holds its rarest triple,
 * so only names with one get the sticky test (most names, `https`, `zip`, `weight`, hold none).
 * Pairs were too common (`ar` of `sonar` is in `warehouse`). The two-letter core `pw` is checked
 * as a pair in the walk.
 */
const NAME_TRIPLES = new Uint8Array(40 * 40 * 40);
const nameCode = (word: string, at: number) => NAME_CODE[word.charCodeAt(at)] as number;
const addRarestTriple = (word: string, kind: number) => {
  let best = 0;
  let bestScore = -1;
  for (let i = 0; i + 2 < word.length; i++) {
    let score = 0;
    for (let k = i; k < i + 3; k++) score += LETTER_ORDER.indexOf(word[k] as string);
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  const triple = (nameCode(word, best) * 40 + nameCode(word, best + 1)) * 40 + nameCode(word, best + 2);
  NAME_TRIPLES[triple] = (NAME_TRIPLES[triple] as number) | kind;
};
const CODE_P = NAME_CODE[112] as number;
const CODE_W = NAME_CODE[119] as number;
for (const core of SECRET_NAME_CORES) if (core.length > 2) addRarestTriple(core, SECRET_NAME);
for (const keyword of PROVIDER_KEYWORDS) addRarestTriple(keyword, PROVIDER_NAME);
const isBlank = (code: number) => code === 32 || code === 9;

/**
 * Which kinds of name stand right before some operator (`:`, `=`, `:=`, `?=`, `!=` …), as
 * ASSIGNMENT and PROVIDER_ASSIGNMENT read them (name, `[0]`, a quote, blanks, the operator), so
 * their scans run only where one can match. A walk back from each operator run, then one sticky
 * test per name: the whole-text case-insensitive hint it replaces cost ~0.5 µs on a URL, and so
 * did slicing and lower-casing each name. Linear: each operator run is passed once (the search
 * goes on after it), and each name and blank run lies before one operator run only.
 */
function operatorNames(text: string): number {
  let kinds = 0;
  let colon = text.indexOf(':');
  let equals = text.indexOf('=');
  while (colon !== -1 || equals !== -1) {
    const at = equals === -1 || (colon !== -1 && colon < equals) ? colon : equals;
    let after = at + 1;
    while (after < text.length && isOperatorChar(text.charCodeAt(after))) after++;
    if (colon !== -1 && colon < after) colon = text.indexOf(':', after);
    if (equals !== -1 && equals < after) equals = text.indexOf('=', after);
    let end = at;
    // `?=`, `!=`: the operator's first character; then blanks, a quote, an index (`pw[0]`).
    if (end > 0 && (text.charCodeAt(end - 1) === 63 || text.charCodeAt(end - 1) === 33)) end--;
    while (end > 0 && isBlank(text.charCodeAt(end - 1))) end--;
    if (end > 0 && (text.charCodeAt(end - 1) === 34 || text.charCodeAt(end - 1) === 39)) end--;
    if (end > 0 && text.charCodeAt(end - 1) === 93) {
      let open = end - 1;
      while (open > 0 && isDigit(text.charCodeAt(open - 1))) open--;
      if (open > 0 && text.charCodeAt(open - 1) === 91) end = open - 1;
    }
    let start = end;
    let pairs = 0;
    // The two characters after the current one, as NAME_CODE gives them (0: none yet).
    let after1 = 0;
    let after2 = 0;
    // Back over the name, its triples collected on the way (NAME_TRIPLES).
    while (start > 0 && paramClass(text, start - 1, 1)) {
      const code = NAME_CODE[text.charCodeAt(start - 1)] as number;
      if (after2 !== 0) pairs |= NAME_TRIPLES[code * 1600 + after1 * 40 + after2] as number;
      if (code === CODE_P && after1 === CODE_W) pairs |= SECRET_NAME;
      after2 = after1;
      after1 = code;
      start--;
    }
    pairs &= ~kinds;
    if (pairs === 0) continue;
    SECRET_NAME_AT.lastIndex = start;
    if ((pairs & SECRET_NAME) !== 0 && SECRET_NAME_AT.test(text) && SECRET_NAME_AT.lastIndex <= end)
      kinds |= SECRET_NAME;
    PROVIDER_NAME_AT.lastIndex = start;
    if ((pairs & PROVIDER_NAME) !== 0 && PROVIDER_NAME_AT.test(text) && PROVIDER_NAME_AT.lastIndex <= end)
      kinds |= PROVIDER_NAME;
    if (kinds === (SECRET_NAME | PROVIDER_NAME)) break;
  }
  return kinds;
}

/** A `-` that can start a command-line flag (CLI_FLAG's lookbehind: not after a word character or `-`). */
function hasFlagDash(text: string): boolean {
  for (let dash = text.indexOf('-'); dash !== -1; dash = text.indexOf('-', dash + 2)) {
    const before = dash > 0 ? text.charCodeAt(dash - 1) : 32;
    if (!(isAlnum(before) || before === 95 || before === 45)) return true;
  }
  return false;
}
const TOKEN_LIKE = /^[A-Za-z0-9][A-Za-z0-9_:.+=-]{9,}$/;

/** `"hunter2" == password`: a literal compared with a secret's name, the literal first. */
const REVERSED_COMPARISON =
  /(["'])([^"'\r\n]{1,200})\1[ \t]*(?:===?|!==?)[ \t]*[A-Za-z0-9_.]{0,40}?(?:password|passwd|pwd|secret|token|api_?key|private_key)(?![A-Za-z0-9])/gi;
/** A Kubernetes Secret manifest (`kind: Secret`, any quoting or case), whose `data:` values are secrets by where they stand. */
const KUBERNETES_SECRET_KIND = /(?:^|\n)[ \t]*kind:[ \t]*["']?secret["']?[ \t]*(?:\r?\n|$)/i;
/** A `data:` or `stringData:` line of a manifest, with its indentation. */
const KUBERNETES_DATA_LINE = /(?:^|\n)([ \t]*)(?:data|stringData):[ \t]*(?=\r?\n)/g;
/** A key of a Secret's data and its value; ten base64 characters or more, as gitleaks' rule reads them (`YmFyCg==`, "bar", stays). */
const KUBERNETES_DATA_ENTRY = /^([ \t]*)[\w.-]+:[ \t]*(["']?)([^\s"']*)\2[ \t]*$/;
const KUBERNETES_SECRET_VALUE = /^[A-Za-z0-9+/_-]{10,}={0,3}$/;

/**
 * The values under `data:` (or `stringData:`) of a Kubernetes Secret manifest logged whole
 * (`kubectl` output, a config dump), as ranges: inline values and block scalars (`key: |`, then
 * the more indented lines). One pass over the lines after each `data:`, to the first line no
 * deeper than it.
 */
function kubernetesSecretRanges(text: string): number[] {
  const ranges: number[] = [];
  if (!text.includes('ata:') || !KUBERNETES_SECRET_KIND.test(text)) return ranges;
  KUBERNETES_DATA_LINE.lastIndex = 0;
  for (let data = KUBERNETES_DATA_LINE.exec(text); data !== null; data = KUBERNETES_DATA_LINE.exec(text)) {
    const depth = (data[1] as string).length;
    let lineStart = text.indexOf('\n', data.index + (data[0].startsWith('\n') ? 1 : 0)) + 1;
    let blockDepth = -1;
    while (lineStart > 0 && lineStart < text.length) {
      let lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd === -1) lineEnd = text.length;
      const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
      const indent = line.length - line.trimStart().length;
      const content = line.trim();
      if (content !== '' && !content.startsWith('#')) {
        if (indent <= depth) break;
        if (blockDepth >= 0 && indent > blockDepth) ranges.push(lineStart + indent, lineStart + line.length);
        else {
          blockDepth = -1;
          const entry = KUBERNETES_DATA_ENTRY.exec(line);
          const value = entry?.[3] ?? '';
          if (value === '|' || value === '>' || value === '|-' || value === '>-') blockDepth = indent;
          else if (KUBERNETES_SECRET_VALUE.test(value)) {
            const at = lineStart + line.lastIndexOf(value);
            ranges.push(at, at + value.length);
          }
        }
      }
      lineStart = lineEnd + 1;
    }
  }
  return ranges;
}

/** `curl -u user:password …` (`wget --user=u --password=p` is an assignment already). */
const CLI_USER =
  /\b(?:curl|http)\b(?:[^\r\n]|\\\r?\n){0,300}?[ \t](?:-u|--user)[ \t=]+(["']?)([^\s:'"]*)\1?:(["']?)([^\s'"]+)\3/g;
/** `<add key="ClearTextPassword" value="x" />` (NuGet, .NET app settings): the value of a secret-named key. */
const XML_KEY_VALUE =
  /\bkey=(["'])([^"'\r\n]{0,60}?(?:password|passwd|pwd|secret|token|api_?key|apikey)[^"'\r\n]{0,30})\1[ \t]+value=(["'])([^"'\r\n]+)\3/gi;
/** `--api-key x`, `--softlayer-api-key "x"`, `-password x`: a command-line flag naming a secret, then its value. */
const CLI_FLAG =
  /(?<![\w-])--?[A-Za-z0-9-]{0,40}?(?:password|passwd|secret|token|api-key|apikey)[ \t]+(["']?)([^\s"'-][^\s"']{7,})\1/gi;

/** The value of an ASSIGNMENT match: the quoted text, or the bare run without closers it never opened (`x}` of `{pw: x}`). */
function assignmentValue(match: RegExpExecArray): string | undefined {
  const quoted = match[5] ?? match[6] ?? match[7];
  if (quoted !== undefined) return quoted;
  let value = match[8] as string;
  for (const [open, close] of [
    ['{', '}'],
    ['(', ')'],
    ['[', ']'],
  ] as const)
    while (value.endsWith(close) && !value.includes(open)) value = value.slice(0, -1);
  return value;
}

/** Whether `core` starts a word of the name (`db_pass`, `dbPass`, `PASS`, `authToken`), not inside one (`bypass`, `Unauthorized`). */
function startsWord(name: string, core: string): boolean {
  const at = name.toLowerCase().indexOf(core);
  if (at <= 0) return true;
  const before = name.charCodeAt(at - 1);
  const first = name.charCodeAt(at);
  // A separator before it, or camelCase (`dbPass`: lower then upper).
  return !isAlnum(before) || (before >= 97 && before <= 122 && first >= 65 && first <= 90);
}

const assignment: Detector = {
  name: 'assignment',
  // An operator (`:`, `=`), or a command-line flag's `-` and the blank before its value.
  mayFind: (f) =>
    (f.chars & (HAS_COLON | HAS_EQUALS)) !== 0 ||
    (f.chars & (HAS_BLANK | HAS_DASH)) === (HAS_BLANK | HAS_DASH),
  redact(text, mask) {
    const masked = (s: string) => mask(s, 'assignment', 'text');
    let out = text;
    const manifest = kubernetesSecretRanges(out);
    if (manifest.length > 0) out = maskRanges(out, manifest, masked);
    if (out.includes('-u') || out.includes('--user'))
      out = replaceMatches(out, CLI_USER, 4, masked, (match) => {
        const user = match[2] as string;
        const password = match[4] as string;
        // `$1:$2`, `<user:password>`, `neo4j:[PASSWORD]`, `${u}:${p}`: placeholders of a script or a doc.
        return (
          (user === '' || !NO_SECRET_VALUE.test(user)) &&
          !NO_SECRET_VALUE.test(password) &&
          !password.endsWith('>')
        );
      });
    const names = operatorNames(out);
    if ((names & SECRET_NAME) !== 0)
      out = replaceMatches(out, ASSIGNMENT, assignmentValue, masked, (match) => {
        const name = (match[1] as string).toLowerCase();
        const core = (match[2] as string).toLowerCase();
        const value = assignmentValue(match) as string;
        if (value === '' || NO_SECRET_VALUE.test(value)) return false;
        if (match[8] !== undefined && CODE_VALUE.test(value)) return false;
        if (name.includes('public') || name.includes('publishable')) return false;
        if (name.length > core.length && ABOUT_THE_SECRET.test(name.slice(name.indexOf(core) + core.length)))
          return false;
        if (
          (core === 'pass' || core === 'auth' || core === 'pw' || core === 'key') &&
          !startsWord(match[1] as string, core)
        )
          return false;
        // A bare `key` names many things (`cache_key`, `sort_key`, `key: "GET /x"`): only a random-looking value is one.
        if (core === 'key') return BARE_KEY_VALUE.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value);
        return core.includes('token') || core.includes('key') || core.startsWith('auth')
          ? value.length >= 8
          : true;
      });
    if ((names & PROVIDER_NAME) !== 0)
      out = replaceMatches(
        out,
        PROVIDER_ASSIGNMENT,
        (match) => match[3] ?? match[4] ?? match[5],
        masked,
        (match) => {
          const value = (match[3] ?? match[4] ?? match[5]) as string;
          // All letters (`cloudant_key = "abcd…"`) only when long: short ones are words and settings.
          return (
            TOKEN_LIKE.test(value) && (/[^A-Za-z]/.test(value) || value.length >= 20) && !isMasked(value)
          );
        },
      );
    // The forms whose secret's name is not right before an operator, each behind its own mark.
    const comparison = out.includes('==') || out.includes('!=');
    const xml = out.includes('value=');
    const flag = hasFlagDash(out);
    if (!(comparison || xml || flag) || !ASSIGNMENT_HINT.test(out)) return out;
    if (comparison) out = replaceMatches(out, REVERSED_COMPARISON, 2, masked);
    if (xml)
      out = replaceMatches(out, XML_KEY_VALUE, 4, masked, (m) => !NO_SECRET_VALUE.test(m[4] as string));
    if (flag) out = replaceMatches(out, CLI_FLAG, 2, masked, (m) => !NO_SECRET_VALUE.test(m[2] as string));
    return out;
  },
};

const LOCAL_PART = /[A-Za-z0-9._%+-]/;
/** Unit types of systemd; none is a top-level domain. */
const SYSTEMD_UNIT_TYPES: ReadonlySet<string> = new Set([
  'service',
  'socket',
  'slice',
  'scope',
  'mount',
  'automount',
  'swap',
  'target',
  'timer',
  'path',
  'device',
]);
const DOMAIN_CHAR = /[A-Za-z0-9.-]/;

/** Whether this `@` ends the userinfo of a URL (`scheme://user:pw@host`): the URL rule's, not a mailbox. */
function isUserinfoEnd(text: string, at: number): boolean {
  // Userinfo is short and has no `/`: walk back to the first delimiter and see whether it is `://`.
  const floor = Math.max(0, at - 256);
  for (let i = at - 1; i >= floor; i--) {
    const char = text[i] as string;
    if ('/?# \t\r\n'.includes(char)) return char === '/' && text[i - 1] === '/' && text[i - 2] === ':';
  }
  return false;
}

/** Finds `@` and, when the text has any, `%40`, each search resuming where it left off (linear overall). */
class AtFinder {
  private plain: number;
  private percent: number;

  constructor(
    private readonly text: string,
    encoded: boolean,
  ) {
    this.plain = text.indexOf('@');
    this.percent = encoded ? text.indexOf('%40') : -1;
  }

  /** The next position at or after `from`, or -1. */
  next(from: number): number {
    if (this.plain >= 0 && this.plain < from) this.plain = this.text.indexOf('@', from);
    if (this.percent >= 0 && this.percent < from) this.percent = this.text.indexOf('%40', from);
    if (this.plain < 0) return this.percent;
    return this.percent < 0 ? this.plain : Math.min(this.plain, this.percent);
  }
}

/** Emails, found from each `@` outward (a linear scan: a regex here backtracks quadratically on long runs). */
const email: Detector = {
  name: 'email',
  // `@` or `%40`
  mayFind: (f) => (f.chars & (HAS_AT | HAS_PERCENT)) !== 0,
  redact(text, mask) {
    const encoded = text.includes('%40');
    if (!text.includes('@') && !encoded) return text;
    const ranges: number[] = [];
    let lastEnd = 0;
    const finder = new AtFinder(text, encoded);
    for (let at = finder.next(0); at >= 0; at = finder.next(at + 1)) {
      // A URL-encoded mailbox (`erin%40example.io`) is as personal as a plain one.
      const atLength = text[at] === '@' ? 1 : 3;
      let start = at;
      while (start > lastEnd && at - start < 64 && LOCAL_PART.test(text[start - 1] as string)) start--;
      let end = at + atLength;
      while (end < text.length && end - at < 254 && DOMAIN_CHAR.test(text[end] as string)) end++;
      while (end > at + atLength && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
      if (start === at || end === at + atLength || isUserinfoEnd(text, at)) continue;
      const local = text.slice(start, at);
      if (local.startsWith('.') || local.endsWith('.')) continue;
      const domain = text.slice(at + atLength, end);
      const dot = domain.lastIndexOf('.');
      const tld = domain.slice(dot + 1);
      if (dot <= 0 || !/^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/.test(tld) || domain.includes('..'))
        continue;
      // systemd units (`user@1000.service`, `getty@tty1.service`): a template instance, not a mailbox.
      if (SYSTEMD_UNIT_TYPES.has(tld)) continue;
      // `git@github.com:org/repo.git` is an SSH remote, not a mailbox.
      if (text[end] === ':' && local === 'git') continue;
      ranges.push(start, end);
      lastEnd = end;
      at = end - 1;
    }
    return maskRanges(text, ranges, (s) => mask(s, 'email', 'text'));
  },
};

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes and lengths of the major card brands; a Luhn-valid run outside them (a timestamp, an order id) is no card. */
function isCardBrand(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === '4') return n === 13 || n === 16 || n === 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16;
  if (p2 === 34 || p2 === 37) return n === 15;
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || p2 === 62) return n >= 16 && n <= 19;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;
  // UATP (airline cards), Dankort, then Maestro's ranges (12-19 digits).
  if (digits[0] === '1') return n === 15;
  if (p4 === 5019) return n === 16;
  if (p2 === 50 || (p2 >= 56 && p2 <= 58) || p2 === 63 || p2 === 67) return n >= 12 && n <= 19;
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19;
  return false;
}

/** Card numbers: 13–19 digits, single spaces or dashes between groups, a known brand, Luhn-valid. */
/** 13+ digits with single separators somewhere: the only texts worth the per-character scan. */
const CARD_HINT = /(?<!\d)\d(?:[ -]?\d){12}/;

const MAX_CHAIN_DIGITS = 80;

/** The digits of text[start, end) without the separators. */
function digitsOf(text: string, start: number, end: number): string {
  let out = '';
  for (let k = start; k < end; k++) if (isDigit(text.charCodeAt(k))) out += text[k];
  return out;
}

/** Cards in a chain of digit groups ([start, end) pairs): the longest run of whole groups from each group on that is one. */
function cardsInChain(text: string, groups: number[], ranges: number[]): void {
  for (let g = 0; g < groups.length; g += 2) {
    let found = -1;
    let digits = 0;
    for (let h = g; h < groups.length; h += 2) {
      digits += (groups[h + 1] as number) - (groups[h] as number);
      if (digits > 19) break;
      if (digits < 13) continue;
      const candidate = digitsOf(text, groups[g] as number, groups[h + 1] as number);
      if (isCardBrand(candidate) && luhnValid(candidate)) found = h;
    }
    if (found >= 0) {
      ranges.push(groups[g] as number, groups[found + 1] as number);
      g = found;
    }
  }
}

const card: Detector = {
  name: 'card',
  mayFind: (f) => f.digitChain >= 13,
  redact(text, mask) {
    if (text.length < 13 || !CARD_HINT.test(text)) return text;
    const ranges: number[] = [];
    // One chain of digit groups (single spaces or dashes between), then the cards in it: a chain
    // can hold two cards one space apart (`4111…1111 5500…0004`).
    const groups: number[] = [];
    let i = 0;
    while (i < text.length) {
      if (!isDigit(text.charCodeAt(i)) || (i > 0 && isAlnum(text.charCodeAt(i - 1)))) {
        i++;
        continue;
      }
      groups.length = 0;
      let end = i;
      let count = 0;
      let groupStart = i;
      while (end < text.length && count < MAX_CHAIN_DIGITS) {
        const code = text.charCodeAt(end);
        if (isDigit(code)) {
          count++;
          end++;
        } else if (
          (code === 32 || code === 45) &&
          isDigit(text.charCodeAt(end + 1)) &&
          isDigit(text.charCodeAt(end - 1))
        ) {
          groups.push(groupStart, end);
          end++;
          groupStart = end;
        } else break;
      }
      groups.push(groupStart, end);
      const bounded = end >= text.length || !isAlnum(text.charCodeAt(end));
      if (bounded && count >= 13) cardsInChain(text, groups, ranges);
      i = end + 1;
    }
    return maskRanges(text, ranges, (s) => mask(s, 'card', 'text'));
  },
};

const TOKEN_CHAR = /[A-Za-z0-9_+=-]/;
const MIN_TOKEN = 24;

function shannonBitsPerChar(token: string): number {
  const counts = new Map<string, number>();
  for (const char of token) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / token.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Random-looking tokens: 24+ characters mixing upper case, lower case and
 * digits (two of each at least), switching between them often, with 3.5+
 * bits of entropy per character. Hex ids, UUIDs, camelCase names and
 * kebab-case pod names fail one of those tests.
 */
export function looksRandom(token: string): boolean {
  if (token.length < MIN_TOKEN) return false;
  let upper = 0;
  let lower = 0;
  let digit = 0;
  let switches = 0;
  let previous = 0;
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const kind = code >= 65 && code <= 90 ? 1 : code >= 97 && code <= 122 ? 2 : isDigit(code) ? 3 : 4;
    if (kind === 1) upper++;
    else if (kind === 2) lower++;
    else if (kind === 3) digit++;
    if (previous !== 0 && kind !== previous) switches++;
    previous = kind;
  }
  if (upper < 2 || lower < 2 || digit < 2 || switches < token.length / 5) return false;
  return shannonBitsPerChar(token) >= 3.5;
}

/** Subresource-integrity and npm integrity hashes (`sha512-<base64>`): public digests, not secrets. */
const INTEGRITY_HASH = /sha(?:1|256|384|512)-[A-Za-z0-9+/]{20,}={0,2}/g;

// From a run's start only (the lookbehind), so a long text of short words is not tried 24 characters at every position.
const TOKEN_HINT = /(?<![A-Za-z0-9_+=-])[A-Za-z0-9_+=-]{24}/;

/**
 * Public values with a type prefix: publishable keys (`pk_live_`, Stripe's and others', meant for
 * browsers), a lone base64 JSON segment (`eyJ…`, a JWT header without its claims and signature),
 * and object ids: OpenAI's and Anthropic's (`conv_`, `call_`, `asst_`,
 * `resp_`, `msg_`, `toolu_`, `chatcmpl-` …, what gen_ai.* attributes carry) and Stripe's
 * (`cus_`, `pi_`, `ch_` …). Their random tails are identifiers, not credentials.
 */
const PUBLIC_ID =
  /^(?:eyJ|(?:pk|conv|call|asst|run|thread|msg|file|resp|rs|fc|batch|ft|ftjob|vs|step|toolu|srvtoolu|req|chatcmpl|cmpl|evt|cus|pi|pm|ch|in|sub|prod|price|txn|seti|src|acct|cs|po|ii|il)[_-])/;

/** Pushes [start, end) when that stretch is a random-looking token. */
function pushRandom(text: string, start: number, end: number, ranges: number[]): void {
  if (end - start < MIN_TOKEN) return;
  const token = text.slice(start, end);
  if (!isMasked(token) && !PUBLIC_ID.test(token) && looksRandom(token)) ranges.push(start, end);
}

const highEntropy: Detector = {
  name: 'highEntropy',
  mayFind: (f) => f.tokenRun >= MIN_TOKEN,
  redact(text, mask) {
    if (text.length < MIN_TOKEN || !TOKEN_HINT.test(text)) return text;
    // An armored public key or certificate is public by design; its base64 lines are not tokens.
    if (text.includes('-----BEGIN') && (text.includes('PUBLIC KEY') || text.includes('CERTIFICATE')))
      return text;
    const ranges: number[] = [];
    const hashes = text.includes('sha') ? [...text.matchAll(INTEGRITY_HASH)] : [];
    let nextHash = 0;
    let i = 0;
    while (i < text.length) {
      const hash = hashes[nextHash];
      if (hash !== undefined && hash.index <= i) {
        nextHash++;
        i = Math.max(i, hash.index + hash[0].length);
        continue;
      }
      if (!TOKEN_CHAR.test(text[i] as string)) {
        i++;
        continue;
      }
      let end = i;
      while (end < text.length && TOKEN_CHAR.test(text[end] as string)) end++;
      // `name=value` inside a run (`q=…`, `sig=…`): each side on its own, so a parameter name is never masked.
      let from = i;
      for (let eq = text.indexOf('=', i); eq >= 0 && eq < end; eq = text.indexOf('=', eq + 1)) {
        if (eq + 1 < end && text[eq + 1] !== '=' && eq > from) {
          pushRandom(text, from, eq, ranges);
          from = eq + 1;
        }
      }
      pushRandom(text, from, end, ranges);
      i = end;
    }
    return maskRanges(text, ranges, (s) => mask(s, 'highEntropy', 'text'));
  },
};

export const DETECTORS: Readonly<Record<DetectorName, Detector>> = {
  privateKey,
  urlCredentials,
  urlQuery,
  jwt,
  authHeader,
  cloudKey,
  assignment,
  email,
  card,
  iban,
  ssn,
  phone,
  ipAddress,
  highEntropy,
};
