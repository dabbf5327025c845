import { isUtf8 } from 'node:buffer';

/**
 * Reading and rewriting `INSERT ... FORMAT X` statements whose rows arrive
 * separately (an HTTP body), so a body chDB cannot take as query text can be
 * handed to it through a file instead.
 */

interface Word {
  text: string;
  start: number;
}

/** Words outside quotes, comments and parentheses, in order. */
function topLevelWords(statement: string): Word[] {
  const words: Word[] = [];
  let depth = 0;
  let i = 0;
  while (i < statement.length) {
    const c = statement[i] as string;
    if (c === "'" || c === '"' || c === '`') {
      i += 1;
      while (i < statement.length && statement[i] !== c) i += statement[i] === '\\' ? 2 : 1;
      i += 1;
    } else if (c === '-' && statement[i + 1] === '-') {
      const end = statement.indexOf('\n', i);
      i = end < 0 ? statement.length : end + 1;
    } else if (c === '/' && statement[i + 1] === '*') {
      const end = statement.indexOf('*/', i + 2);
      i = end < 0 ? statement.length : end + 2;
    } else if (c === '(') {
      depth += 1;
      i += 1;
    } else if (c === ')') {
      depth -= 1;
      i += 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < statement.length && /[A-Za-z0-9_]/.test(statement[i] as string)) i += 1;
      if (depth === 0) words.push({ text: statement.slice(start, i), start });
    } else {
      i += 1;
    }
  }
  return words;
}

/**
 * The format of an insert whose rows follow the statement (`INSERT INTO t ...
 * FORMAT X`), or undefined for any other statement (`VALUES`, `SELECT`, DDL).
 */
export function insertFormat(statement: string): string | undefined {
  const words = topLevelWords(statement);
  if (words.length < 4 || words[0]?.text.toUpperCase() !== 'INSERT') return undefined;
  const last = words[words.length - 1] as Word;
  const beforeLast = words[words.length - 2] as Word;
  if (beforeLast.text.toUpperCase() !== 'FORMAT') return undefined;
  // Nothing but a `;` and whitespace may follow the format name.
  if (!/^\s*;?\s*$/.test(statement.slice(last.start + last.text.length))) return undefined;
  return last.text;
}

// Formats whose bodies are text: chDB takes them inline after the statement, as a server does.
// Everything else (RowBinary*, Native, Parquet, Arrow, ORC, Avro, Protobuf, MsgPack, BSON...) is bytes.
const TEXT_FORMAT =
  /^(?:JSON|CSV|TSV|TabSeparated|Values|CustomSeparated|Template|Regexp|LineAsString|TSKV|Markdown|SQLInsert|Form|XML)/i;

export function isTextFormat(format: string): boolean {
  return TEXT_FORMAT.test(format);
}

function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * `INSERT INTO t (a, b) [SETTINGS ...] FORMAT X` becomes
 * `INSERT INTO t (a, b) FROM INFILE '<file>' COMPRESSION 'none' [SETTINGS ...] FORMAT X`:
 * the same insert (columns, settings, format header checks) reading its rows from the file.
 * The caller has checked the statement with {@link insertFormat}.
 */
export function insertFromFile(statement: string, file: string): string {
  const words = topLevelWords(statement);
  const format = words[words.length - 2] as Word;
  let at = format.start;
  for (let k = 1; k < words.length - 2; k += 1) {
    const word = words[k] as Word;
    // SETTINGS the clause, not a table called `settings`: it is followed by `name =`.
    if (
      word.text.toUpperCase() === 'SETTINGS' &&
      /^\s+[A-Za-z_][A-Za-z0-9_]*\s*=/.test(statement.slice(word.start + word.text.length))
    ) {
      at = word.start;
      break;
    }
  }
  const head = statement.slice(0, at).replace(/\s+$/, '');
  return `${head} FROM INFILE ${quoteString(file)} COMPRESSION 'none' ${statement.slice(at)}`;
}

/** Whether a body can go to chDB as query text unchanged: a text format, valid UTF-8 without NULs. */
export function passesAsText(format: string, body: Uint8Array): boolean {
  return isTextFormat(format) && body.indexOf(0) < 0 && isUtf8(body);
}
