/**
 * Literal redaction for database query texts (`db.query.text`, `db.statement`).
 *
 * Query texts carry personal data and secrets as literals (`WHERE email = '…'`,
 * `AUTH hunter2`, `{"ssn": "…"}`). Replacing every literal with `?` keeps the
 * shape of the query, which is what makes it useful for grouping and reading,
 * while dropping the values. Same idea as the obfuscators of the OpenTelemetry
 * Collector and Datadog, written from scratch as hand-made scanners: one pass,
 * no regular expressions, so the cost is linear whatever the input looks like.
 *
 * The scanners are deliberately not parsers. They err towards redacting too
 * much on malformed input (an unterminated string swallows the rest) rather
 * than letting a value through.
 */

/**
 * `sql`: any SQL system not named below (backslash escapes on, as in Datadog's obfuscator by default);
 * `sql-standard`: systems whose strings take no backslash escapes (PostgreSQL with its default
 * `standard_conforming_strings`, SQL Server, Oracle, SQLite, Db2, CockroachDB), except `E'…'`;
 * `mysql`: MySQL and MariaDB, where `"…"` is a string (without ANSI_QUOTES) and `#` starts a comment.
 */
export type QueryDialect = 'sql' | 'sql-standard' | 'mysql' | 'redis' | 'json';

/** db.system / db.system.name values (old and new names) per SQL dialect; the rest read as `sql`. */
const SQL_DIALECT_SYSTEMS: Readonly<Record<string, QueryDialect>> = {
  mysql: 'mysql',
  mariadb: 'mysql',
  tidb: 'mysql',
  postgresql: 'sql-standard',
  cockroachdb: 'sql-standard',
  mssql: 'sql-standard',
  'microsoft.sql_server': 'sql-standard',
  oracle: 'sql-standard',
  'oracle.db': 'sql-standard',
  sqlite: 'sql-standard',
  db2: 'sql-standard',
  'ibm.db2': 'sql-standard',
};

/** How one SQL dialect reads strings and comments. */
interface SqlFlavor {
  /** `\'` escapes a quote inside '…'. */
  readonly backslash: boolean;
  /** `"…"` is a string literal, not a quoted identifier. */
  readonly doubleQuotedString: boolean;
  /** `#` starts a comment to the end of the line. */
  readonly hashComment: boolean;
}

const SQL_FLAVORS: Readonly<Record<'sql' | 'sql-standard' | 'mysql', SqlFlavor>> = {
  sql: { backslash: true, doubleQuotedString: false, hashComment: false },
  'sql-standard': { backslash: false, doubleQuotedString: false, hashComment: false },
  mysql: { backslash: true, doubleQuotedString: true, hashComment: true },
};

interface Redaction {
  text: string;
  replaced: number;
}

/** Only the head of a longer text is scanned, so a huge statement costs a bounded amount of work. */
const MAX_SCANNED = 64 * 1024;
const TRUNCATED = '…';
const PLACEHOLDER = '?';

const JSON_SYSTEMS = new Set(['mongodb', 'couchbase', 'elasticsearch', 'opensearch']);

// Character codes, named so the scanners read as the grammar they follow.
const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const DQUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const QUOTE = 39;
const RPAREN = 41;
const STAR = 42;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const SLASH = 47;
const ZERO = 48;
const COLON = 58;
const QUESTION = 63;
const AT = 64;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const UNDERSCORE = 95;
const BACKTICK = 96;
const LBRACE = 123;

/** Dialect for a db.system / db.system.name value, with a content sniff for JSON bodies. */
export function queryDialectOf(dbSystem: string | undefined, text: string): QueryDialect {
  // A JSON body is JSON whatever the system claims: SQL and Redis commands start with a word.
  if (startsLikeJson(text)) return 'json';
  const system = typeof dbSystem === 'string' ? dbSystem.trim().toLowerCase() : '';
  if (system === 'redis') return 'redis';
  if (JSON_SYSTEMS.has(system)) return 'json';
  return SQL_DIALECT_SYSTEMS[system] ?? 'sql';
}

/**
 * The text with literals replaced by `?`, and how many were replaced. Returns the
 * same string and 0 when nothing changed. Never throws; linear time.
 */
export function redactQueryLiterals(text: string, dialect: QueryDialect): { text: string; replaced: number } {
  try {
    if (text.length <= MAX_SCANNED) return scan(text, dialect);
    const head = scan(text.slice(0, headLength(text)), dialect);
    return { text: head.text + TRUNCATED, replaced: head.replaced + 1 };
  } catch {
    // Fail closed: a bug here (or a non-string smuggled past the types) must not leak the query.
    return { text: PLACEHOLDER, replaced: 1 };
  }
}

function scan(text: string, dialect: QueryDialect): Redaction {
  const splicer = new TextSplicer(text);
  if (dialect === 'redis') scanRedis(splicer);
  else if (dialect === 'json') scanJson(splicer);
  else if (dialect === 'sql') {
    // The system is unknown, so is its string syntax. Read with backslash escapes first (most
    // systems, and Datadog's default); if that leaves a quote open, a backslash closed a string
    // there (`'C:\'`, `ESCAPE '\'`) and the rest would be read inside out, leaking the next
    // literal: read again without them.
    const first = new SqlScanner(splicer, 0, text.length, SQL_FLAVORS.sql);
    first.run();
    if (first.unclosed) {
      const again = new TextSplicer(text);
      new SqlScanner(again, 0, text.length, SQL_FLAVORS['sql-standard']).run();
      return again.result();
    }
  } else new SqlScanner(splicer, 0, text.length, SQL_FLAVORS[dialect]).run();
  return splicer.result();
}

/** The cut point for an over-long text, moved back so a surrogate pair is not split in two. */
function headLength(text: string): number {
  const last = text.charCodeAt(MAX_SCANNED - 1);
  return last >= 0xd800 && last <= 0xdbff ? MAX_SCANNED - 1 : MAX_SCANNED;
}

function startsLikeJson(text: string): boolean {
  if (typeof text !== 'string') return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isSpace(c)) return c === LBRACE || c === LBRACKET;
  }
  return false;
}

/**
 * Builds the output from slices of the input between replacements, so an
 * unchanged text comes back as the very same string. Appending with `+=` lets
 * V8 build a rope, which is several times cheaper than an array and a join
 * when there are tens of thousands of replacements.
 */
class TextSplicer {
  private out = '';
  private copiedTo = 0;
  private count = 0;

  constructor(readonly text: string) {}

  /** Replaces text[start, end) by `by`. Calls must come in increasing, non-overlapping order. */
  replace(start: number, end: number, by = PLACEHOLDER): void {
    this.out += this.text.slice(this.copiedTo, start) + by;
    this.copiedTo = end;
    this.count++;
  }

  result(): Redaction {
    if (this.count === 0) return { text: this.text, replaced: 0 };
    return { text: this.out + this.text.slice(this.copiedTo), replaced: this.count };
  }
}

// ---------------------------------------------------------------- characters

function isSpace(c: number): boolean {
  if (c === SPACE || (c >= TAB && c <= CR)) return true;
  // Non-ASCII spaces would otherwise count as identifier characters and glue a number to a word.
  return (
    c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a)
  );
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= ZERO + 9;
}

function isHexDigit(c: number): boolean {
  const lower = c | 0x20;
  return isDigit(c) || (lower >= 97 && lower <= 102);
}

function isAsciiLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 97 && lower <= 122;
}

/** Letters of any script start a word, so `表2` or `café_1` stay identifiers. */
function isWordStart(c: number): boolean {
  return isAsciiLetter(c) || c === UNDERSCORE || (c >= 0x80 && !isSpace(c));
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === DOLLAR;
}

/** isWordPart for ASCII codes, as a table (Cursor.wordEnd). */
const ASCII_WORD_PART = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD_PART[c] = isWordPart(c) ? 1 : 0;

// ---------------------------------------------------------------- shared scanning

/**
 * A view of the text that reads -1 outside [0, to), so scanners looking ahead
 * never cross the end of the region they were given (a comment body, say).
 */
class Cursor {
  constructor(
    readonly text: string,
    readonly to: number,
  ) {}

  code(at: number): number {
    return at < this.to ? this.text.charCodeAt(at) : -1;
  }

  digitsEnd(from: number): number {
    let i = from;
    while (isDigit(this.code(i))) i++;
    return i;
  }

  wordEnd(from: number): number {
    // A table read per ASCII character instead of isWordPart's chain of compares: words are most
    // of a statement, and this loop was a fifth of the scanner's profile.
    const text = this.text;
    let i = from;
    while (i < this.to) {
      const c = text.charCodeAt(i);
      if (c < 128 ? ASCII_WORD_PART[c] === 0 : !isWordPart(c)) break;
      i++;
    }
    return i;
  }

  /** Whether a number starts at `at`: a digit, or a dot followed by a digit (`.5`). */
  startsNumber(at: number): boolean {
    const c = this.code(at);
    return isDigit(c) || (c === DOT && isDigit(this.code(at + 1)));
  }

  /** End of the numeric literal at `from`: hex `0x…`, or digits with optional fraction and exponent. */
  numberEnd(from: number): number {
    if (this.code(from) === ZERO && (this.code(from + 1) | 0x20) === 120 && isHexDigit(this.code(from + 2))) {
      let i = from + 2;
      while (isHexDigit(this.code(i))) i++;
      return i;
    }
    let i = this.digitsEnd(from);
    if (this.code(i) === DOT) {
      const next = this.code(i + 1);
      // A trailing dot belongs to the number (`1.`, `1.e5`) unless a name or a range follows (`1..9`).
      if (isDigit(next)) i = this.digitsEnd(i + 1);
      else if (this.exponentEnd(i + 1) > i + 1 || (!isWordStart(next) && next !== DOT)) i++;
    }
    return this.exponentEnd(i);
  }

  /** End of an exponent (`e5`, `E-3`) at `from`, or `from` when there is none. */
  private exponentEnd(from: number): number {
    if ((this.code(from) | 0x20) !== 101) return from;
    const sign = this.code(from + 1);
    const digitsAt = sign === PLUS || sign === MINUS ? from + 2 : from + 1;
    return isDigit(this.code(digitsAt)) ? this.digitsEnd(digitsAt) : from;
  }

  /**
   * End of the quoted run opening at `from` (just past the closing quote), and
   * whether it was closed. A doubled quote is always an escape; `backslash` makes
   * `\x` one too. Unterminated runs end at the region's end.
   */
  quotedEnd(from: number, backslash: boolean): { end: number; closed: boolean } {
    const quote = this.code(from);
    let i = from + 1;
    while (i < this.to) {
      const c = this.code(i);
      if (c === BACKSLASH && backslash) i += 2;
      else if (c !== quote) i++;
      else if (this.code(i + 1) === quote) i += 2;
      else return { end: i + 1, closed: true };
    }
    return { end: this.to, closed: false };
  }

  nextNonSpace(from: number): number {
    let i = from;
    while (isSpace(this.code(i))) i++;
    return this.code(i);
  }
}

// ---------------------------------------------------------------- SQL

type Previous = 'start' | 'operand' | 'operator' | 'keyword';

/** After these, a `-` before a number is a sign (`LIMIT -1`, `WHEN -2`), not a subtraction. */
export const SIGN_KEYWORDS: ReadonlySet<string> = new Set([
  'ALL',
  'AND',
  'ANY',
  'BETWEEN',
  'BY',
  'CASE',
  'DEFAULT',
  'DISTINCT',
  'ELSE',
  'ILIKE',
  'IN',
  'INTERVAL',
  'IS',
  'LIKE',
  'LIMIT',
  'NOT',
  'OFFSET',
  'ON',
  'OR',
  'RETURN',
  'SELECT',
  'SET',
  'SOME',
  'THEN',
  'TOP',
  'VALUES',
  'WHEN',
  'WHERE',
]);

/**
 * First and last letters (ASCII, either case) of the sign keywords, so most identifiers are
 * settled without the slice and upper-casing the set lookup needs (that was most of the
 * scanner's time per word, on every query text). Exact: the upper case of a word starts and ends
 * with the upper case of its first and last characters when those are ASCII; a word with a
 * non-ASCII first or last character (`ı` upper-cases to `I`) takes the lookup.
 */
const KEYWORD_ENDS = new Uint8Array(128 * 128);
for (const keyword of SIGN_KEYWORDS) {
  const first = keyword.charCodeAt(0);
  const last = keyword.charCodeAt(keyword.length - 1);
  for (const f of [first, first | 0x20]) for (const l of [last, last | 0x20]) KEYWORD_ENDS[f * 128 + l] = 1;
}

export function mayBeSignKeyword(text: string, start: number, end: number): boolean {
  if (end - start > 8) return false;
  const first = text.charCodeAt(start);
  const last = text.charCodeAt(end - 1);
  if (first >= 128 || last >= 128) return true;
  return KEYWORD_ENDS[first * 128 + last] === 1;
}

/** One-letter prefixes of string literals: E'…' (escapes), N'…' (national), X'…' (hex), B'…' (bits). */
const STRING_PREFIXES = new Set([69, 101, 78, 110, 88, 120, 66, 98]);

/** PostgreSQL caps identifiers (and so dollar-quote tags) at 63 bytes; the cap bounds the closing search. */
const MAX_DOLLAR_TAG = 63;

/** Scans SQL in [from, to): a whole statement, or a function body inside one. Comments are dropped. */
class SqlScanner {
  private readonly at: Cursor;
  private i: number;
  private previous: Previous = 'start';
  /** Where the last token ended, and from where blanks before a comment may go with it. */
  private lastTokenEnd = 0;
  private blanksFrom = 0;
  /** The last word read, for `AS $$ … $$` and `DO $$ … $$` (a function body, not a string). */
  private lastWordStart = -1;
  private lastWordEnd = -1;

  /** Whether a string literal ran to the end unclosed. */
  unclosed = false;

  constructor(
    private readonly splicer: TextSplicer,
    from: number,
    to: number,
    private readonly flavor: SqlFlavor,
  ) {
    this.at = new Cursor(splicer.text, to);
    this.i = from;
  }

  run(): void {
    while (this.i < this.at.to) this.step();
  }

  private step(): void {
    const c = this.at.code(this.i);
    if (isSpace(c)) {
      this.i++;
      return;
    }
    // Blanks right before a comment go with it, but never text an earlier replacement covered.
    this.blanksFrom = this.lastTokenEnd;
    this.stepToken(c);
    this.lastTokenEnd = this.i;
  }

  private stepToken(c: number): void {
    // Words first: most tokens are, and no other token starts with a letter or `_`.
    if (isAsciiLetter(c) || c === UNDERSCORE) {
      this.word();
      return;
    }
    if (this.comment(c)) return;
    if (c === QUOTE || (c === DQUOTE && this.flavor.doubleQuotedString)) {
      this.stringLiteral(this.i, this.flavor.backslash);
    } else if (this.signedNumberStart(c)) {
      this.number(this.i, this.i + 1);
    } else if (isDigit(c) || (c === DOT && this.previous !== 'operand' && this.at.startsNumber(this.i))) {
      this.number(this.i, this.i);
    } else if (isWordStart(c)) {
      this.word();
    } else if (!this.special(c)) {
      this.punctuation(c);
    }
  }

  /**
   * Comments go, as Datadog's SQL obfuscator drops them: they are free text (names, values,
   * sqlcommenter tags with routes and trace ids) that the literal rules cannot vouch for. The
   * blanks before one go with it, and a single space stays where tokens would otherwise touch.
   */
  private comment(c: number): boolean {
    const text = this.at.text;
    let next: number;
    if (c === MINUS && this.at.code(this.i + 1) === MINUS) {
      const newline = text.indexOf('\n', this.i + 2);
      next = newline < 0 || newline > this.at.to ? this.at.to : newline;
    } else if (c === HASH && this.flavor.hashComment) {
      const newline = text.indexOf('\n', this.i + 1);
      next = newline < 0 || newline > this.at.to ? this.at.to : newline;
    } else if (c === SLASH && this.at.code(this.i + 1) === STAR) {
      const close = text.indexOf('*/', this.i + 2);
      next = close >= 0 && close + 2 <= this.at.to ? close + 2 : this.at.to;
    } else {
      return false;
    }
    let start = this.i;
    while (
      start > this.blanksFrom &&
      (text.charCodeAt(start - 1) === SPACE || text.charCodeAt(start - 1) === TAB)
    )
      start--;
    let end = next;
    // At the very start, the blanks after the comment go too.
    if (start === 0) while (end < this.at.to && isSpace(this.at.code(end))) end++;
    const touching =
      start > 0 && end < this.at.to && !isSpace(this.at.code(start - 1)) && !isSpace(this.at.code(end));
    this.splicer.replace(start, end, touching ? ' ' : '');
    this.i = end;
    return true;
  }

  /** A `-` is part of the number only where an operand cannot precede it: `x = -1`, `(-1`, but `a - 1`. */
  private signedNumberStart(c: number): boolean {
    return c === MINUS && this.previous !== 'operand' && this.at.startsNumber(this.i + 1);
  }

  private stringLiteral(quoteAt: number, backslash: boolean, start = quoteAt): void {
    const { end, closed } = this.at.quotedEnd(quoteAt, backslash);
    if (!closed) this.unclosed = true;
    this.literal(start, end);
  }

  private literal(start: number, end: number): void {
    this.splicer.replace(start, end);
    this.i = end;
    this.previous = 'operand';
  }

  private number(start: number, digitsAt: number): void {
    const end = this.at.numberEnd(digitsAt);
    const after = this.at.code(end);
    if (!isAsciiLetter(after) && after !== UNDERSCORE && after !== DOLLAR) {
      this.literal(start, end);
    } else if (start === digitsAt && this.at.digitsEnd(digitsAt) === end) {
      // MySQL allows identifiers that start with digits (`2fa_codes`): keep the whole word.
      this.i = this.at.wordEnd(end);
      this.previous = 'operand';
    } else {
      // Not a name (`3.14f`, `0xFFg`, `-2fa`): the glued letters go with the value.
      this.literal(start, this.at.wordEnd(end));
    }
  }

  private word(): void {
    const start = this.i;
    const end = this.at.wordEnd(start);
    if (end === start + 1 && this.at.code(end) === QUOTE && STRING_PREFIXES.has(this.at.code(start))) {
      // E'…' takes backslash escapes in every dialect (PostgreSQL's escape strings).
      const prefix = this.at.code(start) | 0x20;
      this.stringLiteral(end, this.flavor.backslash || prefix === 101, start);
      return;
    }
    this.i = end;
    this.lastWordStart = start;
    this.lastWordEnd = end;
    const text = this.at.text;
    const isKeyword =
      mayBeSignKeyword(text, start, end) && SIGN_KEYWORDS.has(text.slice(start, end).toUpperCase());
    this.previous = isKeyword ? 'keyword' : 'operand';
  }

  /** Quoted identifiers, dollar quotes and placeholders; false for anything else. */
  private special(c: number): boolean {
    switch (c) {
      case DQUOTE:
      case BACKTICK:
        return this.quotedIdentifier();
      case DOLLAR:
        return isDigit(this.at.code(this.i + 1)) ? this.placeholder(this.i + 1) : this.dollarQuote();
      case QUESTION:
        return this.placeholder(this.i + 1);
      case COLON:
        return this.namedPlaceholder();
      case AT:
        return isWordStart(this.at.code(this.i + 1)) && this.placeholder(this.i + 1);
      default:
        return false;
    }
  }

  private quotedIdentifier(): boolean {
    const { end, closed } = this.at.quotedEnd(this.i, false);
    // An unterminated quote is more likely a typo than an identifier running to the end:
    // treat it as a plain character so the literals after it are still found.
    if (!closed) return false;
    this.i = end;
    this.previous = 'operand';
    return true;
  }

  /** `$1`, `?`, `?2`, `@p1`: kept as they are, they are not values. */
  private placeholder(from: number): boolean {
    this.i = this.at.wordEnd(from);
    this.previous = 'operand';
    return true;
  }

  /** `:name` and Oracle's `:1`, but not the `:3` of an array slice `a[1:3]`, which is a number. */
  private namedPlaceholder(): boolean {
    const next = this.at.code(this.i + 1);
    if (isWordStart(next)) return this.placeholder(this.i + 1);
    return isDigit(next) && this.previous !== 'operand' && this.placeholder(this.i + 1);
  }

  /** `$$…$$` and `$tag$…$tag$` (PostgreSQL); the closing search is an indexOf of a short delimiter. */
  private dollarQuote(): boolean {
    let tagEnd = this.i + 1;
    const first = this.at.code(tagEnd);
    if (isAsciiLetter(first) || first === UNDERSCORE) {
      while (tagEnd - this.i <= MAX_DOLLAR_TAG && this.isTagPart(this.at.code(tagEnd))) tagEnd++;
    }
    if (this.at.code(tagEnd) !== DOLLAR) return false;
    const delimiter = this.at.text.slice(this.i, tagEnd + 1);
    const close = this.at.text.indexOf(delimiter, tagEnd + 1);
    const end = close < 0 || close + delimiter.length > this.at.to ? this.at.to : close + delimiter.length;
    if (this.bodyFollows() && close >= 0) {
      // A function or DO block's body (PL/pgSQL, SQL): code whose names stay and whose literals go.
      new SqlScanner(this.splicer, tagEnd + 1, close, this.flavor).run();
      this.i = end;
      this.previous = 'operand';
      return true;
    }
    this.literal(this.i, end);
    return true;
  }

  /** Whether the word before this dollar quote is AS or DO: `CREATE FUNCTION … AS $$…$$`, `DO $$…$$`. */
  private bodyFollows(): boolean {
    const length = this.lastWordEnd - this.lastWordStart;
    if (length !== 2 || this.lastTokenEnd !== this.lastWordEnd) return false;
    const word = this.at.text.slice(this.lastWordStart, this.lastWordEnd).toUpperCase();
    return word === 'AS' || word === 'DO';
  }

  private isTagPart(c: number): boolean {
    return isAsciiLetter(c) || isDigit(c) || c === UNDERSCORE;
  }

  private punctuation(c: number): void {
    this.i++;
    this.previous = c === RPAREN || c === RBRACKET ? 'operand' : 'operator';
  }
}

// ---------------------------------------------------------------- JSON

/**
 * Mongo/Elasticsearch-style bodies. Keys (a string or bare word followed by `:`)
 * and structure stay; string values become "?" and numbers, booleans and null
 * become ?. Also reads the shell dialect best-effort: single quotes, bare keys,
 * `ObjectId("…")` (the call name stays, its argument goes).
 */
function scanJson(splicer: TextSplicer): void {
  const at = new Cursor(splicer.text, splicer.text.length);
  let i = 0;
  while (i < at.to) {
    const c = at.code(i);
    if (c === DQUOTE || c === QUOTE) i = jsonString(splicer, at, i);
    else if (at.startsNumber(i) || ((c === MINUS || c === PLUS) && at.startsNumber(i + 1))) {
      i = jsonNumber(splicer, at, i);
    } else if (isWordStart(c) || c === DOLLAR) i = jsonWord(splicer, at, i);
    else i++;
  }
}

function jsonString(splicer: TextSplicer, at: Cursor, start: number): number {
  const { end, closed } = at.quotedEnd(start, true);
  if (closed && at.nextNonSpace(end) === COLON) return end;
  const contentEnd = closed ? end - 1 : end;
  // Already redacted: leave it, so redacting twice changes nothing.
  if (contentEnd - start === 2 && at.code(start + 1) === QUESTION) return end;
  const quote = at.text[start] as string;
  splicer.replace(start, end, quote + PLACEHOLDER + (closed ? quote : ''));
  return end;
}

function jsonNumber(splicer: TextSplicer, at: Cursor, start: number): number {
  const digitsAt = at.startsNumber(start) ? start : start + 1;
  // Whatever is glued to the number (`1n`, `5abc`) goes with it: there are no such identifiers in JSON.
  const end = at.wordEnd(at.numberEnd(digitsAt));
  splicer.replace(start, end);
  return end;
}

function jsonWord(splicer: TextSplicer, at: Cursor, start: number): number {
  const end = at.wordEnd(start + 1);
  if (at.nextNonSpace(end) === COLON) return end;
  const word = end - start <= 5 ? at.text.slice(start, end).toLowerCase() : '';
  if (word === 'true' || word === 'false' || word === 'null') splicer.replace(start, end);
  return end;
}

// ---------------------------------------------------------------- Redis

/** Commands none of whose arguments is a key; every argument goes (AUTH's username too). */
const REDIS_NO_KEY = new Set([
  'AUTH',
  'ECHO',
  'EVAL',
  'EVALSHA',
  'EVALSHA_RO',
  'EVAL_RO',
  'FCALL',
  'FCALL_RO',
  'HELLO',
  'MIGRATE',
  'PING',
]);

/** Container commands whose first argument is a subcommand from a fixed vocabulary, kept for readability. */
const REDIS_SUBCOMMANDS = new Set([
  'ACL',
  'CLIENT',
  'CLUSTER',
  'COMMAND',
  'CONFIG',
  'DEBUG',
  'FUNCTION',
  'LATENCY',
  'MEMORY',
  'MODULE',
  'OBJECT',
  'PUBSUB',
  'SCRIPT',
  'SLOWLOG',
  'XGROUP',
  'XINFO',
]);

/** What opentelemetry-js's redis instrumentation writes for the arguments it already dropped. */
const OTEL_ELIDED_SUFFIX = ' other arguments]';

/**
 * One command per line (a pipeline is several lines): the command name and its
 * first argument (the key) stay, every later argument becomes ?. A quoted
 * argument is one token, and may span lines.
 */
function scanRedis(splicer: TextSplicer): void {
  const at = new Cursor(splicer.text, splicer.text.length);
  let command = '';
  let argument = 0;
  let i = 0;
  while (i < at.to) {
    const c = at.code(i);
    if (c === LF) {
      argument = 0;
      i++;
    } else if (isSpace(c)) {
      i++;
    } else {
      const marker = argument > 0 ? elidedMarkerEnd(at, i) : -1;
      const end = marker > 0 ? marker : redisTokenEnd(at, i);
      if (argument === 0) command = end - i <= 16 ? at.text.slice(i, end).toUpperCase() : '';
      else if (marker < 0 && !keepRedisArgument(at, command, argument, i, end)) splicer.replace(i, end);
      argument++;
      i = end;
    }
  }
}

function redisTokenEnd(at: Cursor, start: number): number {
  const c = at.code(start);
  let i = c === DQUOTE || c === QUOTE ? at.quotedEnd(start, true).end : start;
  // Whatever is glued after a closing quote belongs to the same token.
  while (i < at.to && !isSpace(at.code(i))) i++;
  return i;
}

function keepRedisArgument(
  at: Cursor,
  command: string,
  argument: number,
  start: number,
  end: number,
): boolean {
  if (end - start === 1 && at.code(start) === QUESTION) return true;
  if (argument > 1 || REDIS_NO_KEY.has(command)) return false;
  if (REDIS_SUBCOMMANDS.has(command)) return isBareWord(at, start, end);
  return true;
}

/**
 * End of a `[3 other arguments]` marker at `start`, or -1. The marker means the
 * values were already dropped upstream, and it says more than `? ? ?` would.
 */
function elidedMarkerEnd(at: Cursor, start: number): number {
  if (at.code(start) !== LBRACKET || !isDigit(at.code(start + 1))) return -1;
  const digitsEnd = at.digitsEnd(start + 1);
  return at.text.startsWith(OTEL_ELIDED_SUFFIX, digitsEnd) ? digitsEnd + OTEL_ELIDED_SUFFIX.length : -1;
}

function isBareWord(at: Cursor, start: number, end: number): boolean {
  if (end - start > 32) return false;
  for (let i = start; i < end; i++) {
    const c = at.code(i);
    if (!isAsciiLetter(c) && c !== MINUS && c !== UNDERSCORE) return false;
  }
  return true;
}
