import {
  type QueryDialect,
  queryDialectOf,
  redactQueryLiterals,
} from '@tracepoint/processor-cleaner/internal';
import { describe, expect, it } from 'vitest';

const MAX = 64 * 1024;

interface Case {
  label: string;
  input: string;
  expected: string;
  replaced: number;
}

const sqlCases: Case[] = [
  {
    label: 'single-quoted string',
    input: "SELECT * FROM users WHERE email = 'ann@example.com'",
    expected: 'SELECT * FROM users WHERE email = ?',
    replaced: 1,
  },
  { label: "doubled '' escape", input: "WHERE name = 'O''Brien'", expected: 'WHERE name = ?', replaced: 1 },
  {
    label: "backslash \\' escape",
    input: "WHERE name = 'O\\'Brien' AND id = 5",
    expected: 'WHERE name = ? AND id = ?',
    replaced: 2,
  },
  {
    label: "escaped backslash before the closing quote ('a\\\\')",
    input: "WHERE p = 'C:\\\\' AND q = 'x'",
    expected: 'WHERE p = ? AND q = ?',
    replaced: 2,
  },
  {
    label: "E'', N'', X'' and B'' prefixes",
    input: "SELECT E'a\\'b', N'név', X'DEADBEEF', b'0101', e'x'",
    expected: 'SELECT ?, ?, ?, ?, ?',
    replaced: 5,
  },
  { label: 'dollar-quoted string', input: "SELECT $$it's secret$$", expected: 'SELECT ?', replaced: 1 },
  {
    label: 'tagged dollar quote containing $$',
    input: 'SELECT $fn$ body $$ nested $fn$, 1',
    expected: 'SELECT ?, ?',
    replaced: 2,
  },
  {
    label: 'integers, decimals, exponents and hex',
    input: 'WHERE id = 42 AND price > 9.99 AND r < 1.5e-3 AND f = 0xFF AND g = 2E10',
    expected: 'WHERE id = ? AND price > ? AND r < ? AND f = ? AND g = ?',
    replaced: 5,
  },
  {
    label: 'numbers with trailing dots or glued letters',
    input: 'SELECT 1., 1.e5, 3.14f, 0xFFg, 12abc',
    expected: 'SELECT ?, ?, ?, ?, 12abc',
    replaced: 4,
  },
  { label: 'leading-dot decimal', input: 'SELECT .5 * x', expected: 'SELECT ? * x', replaced: 1 },
  {
    label: 'unary minus after operator, paren, comma',
    input: 'WHERE x = -1 AND y IN (-2, -3.5)',
    expected: 'WHERE x = ? AND y IN (?, ?)',
    replaced: 3,
  },
  {
    label: 'unary minus after a keyword',
    input: 'SELECT -1 LIMIT -1',
    expected: 'SELECT ? LIMIT ?',
    replaced: 2,
  },
  {
    label: 'subtraction with spaces',
    input: 'SELECT a - 1 FROM t',
    expected: 'SELECT a - ? FROM t',
    replaced: 1,
  },
  {
    label: 'subtraction without spaces',
    input: 'SELECT a-1, (b)-2',
    expected: 'SELECT a-?, (b)-?',
    replaced: 2,
  },
  { label: 'subtraction of numbers', input: 'SELECT 5-3', expected: 'SELECT ?-?', replaced: 2 },
  {
    label: 'identifiers containing digits',
    input: 'SELECT t1.c2, col_1, x$1 FROM table2 t1 JOIN s3.t4 ON t1.id = t4.id',
    expected: 'SELECT t1.c2, col_1, x$1 FROM table2 t1 JOIN s3.t4 ON t1.id = t4.id',
    replaced: 0,
  },
  {
    label: 'identifier starting with digits (MySQL)',
    input: 'SELECT * FROM 2fa_codes',
    expected: 'SELECT * FROM 2fa_codes',
    replaced: 0,
  },
  {
    label: 'placeholders $1 ? ?2 :name :1 @p1',
    input: 'WHERE a = $1 AND b = ? AND c = :name AND d = @p1 AND e = :1 AND f = ?2',
    expected: 'WHERE a = $1 AND b = ? AND c = :name AND d = @p1 AND e = :1 AND f = ?2',
    replaced: 0,
  },
  {
    label: 'printf-style placeholders',
    input: 'INSERT INTO t (a, b) VALUES (%s, %(name)s)',
    expected: 'INSERT INTO t (a, b) VALUES (%s, %(name)s)',
    replaced: 0,
  },
  {
    label: 'double-quoted and backtick identifiers',
    input: 'SELECT "Col 1", `order 2`, "a""b" FROM "T9"',
    expected: 'SELECT "Col 1", `order 2`, "a""b" FROM "T9"',
    replaced: 0,
  },
  {
    label: 'TRUE, FALSE and NULL stay',
    input: 'WHERE a IS NULL AND b = TRUE AND c <> false',
    expected: 'WHERE a IS NULL AND b = TRUE AND c <> false',
    replaced: 0,
  },
  {
    label: 'IN list is not collapsed',
    input: 'WHERE id IN (1, 2, 3)',
    expected: 'WHERE id IN (?, ?, ?)',
    replaced: 3,
  },
  { label: 'casts stay', input: "SELECT '1'::int, x::text", expected: 'SELECT ?::int, x::text', replaced: 1 },
  { label: 'array slice bounds are numbers', input: 'SELECT a[1:3]', expected: 'SELECT a[?:?]', replaced: 2 },
  {
    label: 'typed literal keeps its type keyword',
    input: "WHERE d > DATE '2024-01-01' LIMIT 10 OFFSET 20",
    expected: 'WHERE d > DATE ? LIMIT ? OFFSET ?',
    replaced: 3,
  },
  {
    label: 'a line comment goes (as Datadog drops it), the newline stays',
    input: "SELECT a -- filter by 'bob' and 42\nFROM t WHERE b = 1",
    expected: 'SELECT a\nFROM t WHERE b = ?',
    replaced: 2,
  },
  {
    label: 'a leading block comment goes with the blanks after it',
    input: "/* user 'bob' id 7 v2 */ SELECT 1",
    expected: 'SELECT ?',
    replaced: 2,
  },
  {
    label: 'an apostrophe in a comment does not open a string',
    input: "/* don't */ SELECT 'x'",
    expected: 'SELECT ?',
    replaced: 2,
  },
  {
    label: 'a trailing line comment goes',
    input: 'SELECT 1 -- name "bob"',
    expected: 'SELECT ?',
    replaced: 2,
  },
  {
    label: 'sqlcommenter tags go',
    input: "SELECT 1 /*controller='users',traceparent='00-abc-01'*/",
    expected: 'SELECT ?',
    replaced: 2,
  },
  {
    label: '-- right after a number is a comment',
    input: 'SELECT 1--2',
    expected: 'SELECT ?',
    replaced: 2,
  },
  {
    label: 'a comment between two tokens leaves one space',
    input: 'SELECT a/* x */FROM t',
    expected: 'SELECT a FROM t',
    replaced: 1,
  },
  {
    label: 'an unterminated block comment runs to the end',
    input: "SELECT 1 /* secret 'x",
    expected: 'SELECT ?',
    replaced: 2,
  },
  {
    label: 'a function body keeps its names and loses its literals (PL/pgSQL)',
    input:
      "CREATE FUNCTION f(a int) RETURNS int AS $$ BEGIN UPDATE users SET name = 'bob' WHERE id = 7; -- note\n RETURN a; END $$ LANGUAGE plpgsql",
    expected:
      'CREATE FUNCTION f(a int) RETURNS int AS $$ BEGIN UPDATE users SET name = ? WHERE id = ?;\n RETURN a; END $$ LANGUAGE plpgsql',
    replaced: 3,
  },
  {
    label: 'a DO block with a tagged dollar quote is code too',
    input: "DO $body$ BEGIN PERFORM pg_notify('ch', 'secret'); END $body$",
    expected: 'DO $body$ BEGIN PERFORM pg_notify(?, ?); END $body$',
    replaced: 2,
  },
  {
    label: 'unterminated string runs to the end',
    input: "WHERE a = 'secret AND b = 1",
    expected: 'WHERE a = ?',
    replaced: 1,
  },
  { label: 'unterminated dollar quote', input: 'SELECT $$abc', expected: 'SELECT ?', replaced: 1 },
  {
    label: 'unterminated double quote does not hide later strings',
    input: "SELECT \"a FROM t WHERE pw = 'x'",
    expected: 'SELECT "a FROM t WHERE pw = ?',
    replaced: 1,
  },
  {
    label: 'unicode identifiers and strings',
    input: "SELECT 名前2 FROM 表 WHERE 名前 = 'ユーザー😀' AND café = 3",
    expected: 'SELECT 名前2 FROM 表 WHERE 名前 = ? AND café = ?',
    replaced: 2,
  },
  {
    label: 'non-breaking space separates a number',
    input: 'WHERE x =\u00a05',
    expected: 'WHERE x =\u00a0?',
    replaced: 1,
  },
  { label: 'empty string', input: '', expected: '', replaced: 0 },
];

const redisCases: Case[] = [
  {
    label: 'SET with value and options',
    input: 'SET user:42 secretvalue EX 60',
    expected: 'SET user:42 ? ? ?',
    replaced: 3,
  },
  {
    label: 'HSET field and value',
    input: 'HSET user:42 email a@b.com',
    expected: 'HSET user:42 ? ?',
    replaced: 2,
  },
  { label: 'single-word command', input: 'PING', expected: 'PING', replaced: 0 },
  { label: 'command with only a key', input: 'get user:42', expected: 'get user:42', replaced: 0 },
  { label: 'AUTH username and password', input: 'AUTH default hunter2', expected: 'AUTH ? ?', replaced: 2 },
  { label: 'AUTH password only, lower case', input: 'auth hunter2', expected: 'auth ?', replaced: 1 },
  { label: 'HELLO with AUTH', input: 'HELLO 3 AUTH user pass', expected: 'HELLO ? ? ? ?', replaced: 4 },
  { label: 'ECHO and PING messages', input: 'ECHO hi\nPING hello', expected: 'ECHO ?\nPING ?', replaced: 2 },
  {
    label: 'quoted arguments are one token',
    input: 'SET "my key" "hello world" EX 10',
    expected: 'SET "my key" ? ? ?',
    replaced: 3,
  },
  {
    label: 'escaped quote inside a quoted argument',
    input: 'SET k "a \\" b" \'c d\'',
    expected: 'SET k ? ?',
    replaced: 2,
  },
  {
    label: 'pipeline of commands',
    input: 'SET a 1\nGET a\r\nINCRBY b 5\n\nMULTI',
    expected: 'SET a ?\nGET a\r\nINCRBY b ?\n\nMULTI',
    replaced: 2,
  },
  { label: 'multi-key command', input: 'MGET a b c', expected: 'MGET a ? ?', replaced: 2 },
  {
    label: 'container commands keep the subcommand',
    input: 'CONFIG SET requirepass hunter2\nCLIENT SETNAME worker-1',
    expected: 'CONFIG SET ? ?\nCLIENT SETNAME ?',
    replaced: 3,
  },
  {
    label: 'quoted subcommand is not trusted',
    input: 'ACL SETUSER alice >pass\nCONFIG "SET" x y',
    expected: 'ACL SETUSER ? ?\nCONFIG ? ? ?',
    replaced: 5,
  },
  {
    label: 'EVAL script and keys',
    input: 'EVAL "return redis.call(\'get\', KEYS[1])" 1 k',
    expected: 'EVAL ? ? ?',
    replaced: 3,
  },
  {
    label: 'OpenTelemetry elision marker stays',
    input: 'SET user:1 [1 other arguments]',
    expected: 'SET user:1 [1 other arguments]',
    replaced: 0,
  },
  {
    label: 'unterminated quote swallows the rest',
    input: 'SET k "abc\nGET x',
    expected: 'SET k ?',
    replaced: 1,
  },
];

const jsonCases: Case[] = [
  {
    label: 'string and number values',
    input: '{"name": "bob", "age": 42}',
    expected: '{"name": "?", "age": ?}',
    replaced: 2,
  },
  {
    label: '$-operators stay',
    input: '{"age": {"$gt": 30, "$lt": -5.5e2}}',
    expected: '{"age": {"$gt": ?, "$lt": ?}}',
    replaced: 2,
  },
  {
    label: 'arrays, booleans and null',
    input: '{"tags": {"$in": ["a", "b"]}, "ok": true, "x": null, "y": false}',
    expected: '{"tags": {"$in": ["?", "?"]}, "ok": ?, "x": ?, "y": ?}',
    replaced: 5,
  },
  { label: 'nested arrays', input: '[[1, 2], [3]]', expected: '[[?, ?], [?]]', replaced: 3 },
  {
    label: 'escapes in values and keys',
    input: '{"q": "say \\"hi\\" \\\\", "a\\"b": 1}',
    expected: '{"q": "?", "a\\"b": ?}',
    replaced: 2,
  },
  {
    label: 'shell syntax: bare keys, single quotes, constructors',
    input: 'db.users.find({name: \'bob\', _id: ObjectId("5f1d"), n: NumberLong(7)})',
    expected: 'db.users.find({name: \'?\', _id: ObjectId("?"), n: NumberLong(?)})',
    replaced: 3,
  },
  {
    label: 'Elasticsearch body',
    input: '{"query":{"match":{"title":"secret"}},"size":10}',
    expected: '{"query":{"match":{"title":"?"}},"size":?}',
    replaced: 2,
  },
  {
    label: 'aggregation field paths are values too',
    input: '[{"$group": {"_id": "$city", "n": {"$sum": 1}}}]',
    expected: '[{"$group": {"_id": "?", "n": {"$sum": ?}}}]',
    replaced: 2,
  },
  { label: 'unterminated string', input: '{"a": "unterminated', expected: '{"a": "?', replaced: 1 },
  {
    label: 'invalid JSON, best effort',
    input: '{"a": 1,,, ]] "b" :',
    expected: '{"a": ?,,, ]] "b" :',
    replaced: 1,
  },
  { label: 'unicode key and value', input: '{"名前": "ユーザー😀"}', expected: '{"名前": "?"}', replaced: 1 },
  { label: 'already redacted', input: '{"a": "?", "b": ?}', expected: '{"a": "?", "b": ?}', replaced: 0 },
];

// Strings and comments as each SQL dialect reads them (go-sqllexer's test data found the leaks
// these cases pin down: a string ending in a backslash read the rest of the statement inside out).
const LIKE_ESCAPE =
  "SELECT col FROM tbl WHERE col LIKE '%foo\\_%' ESCAPE '\\' AND col LIKE '%bar\\_%' ESCAPE '\\' AND flag = 'x'";
const LIKE_ESCAPE_REDACTED =
  'SELECT col FROM tbl WHERE col LIKE ? ESCAPE ? AND col LIKE ? ESCAPE ? AND flag = ?';
const standardCases: Case[] = [
  {
    label: 'no backslash escapes (Oracle, SQL Server)',
    input: LIKE_ESCAPE,
    expected: LIKE_ESCAPE_REDACTED,
    replaced: 5,
  },
  {
    label: "E'…' takes backslash escapes",
    input: "SELECT E'a\\'b', 'c\\'",
    expected: 'SELECT ?, ?',
    replaced: 2,
  },
  {
    label: '# is a temp table, not a comment',
    input: 'SELECT * FROM #users WHERE id = 1',
    expected: 'SELECT * FROM #users WHERE id = ?',
    replaced: 1,
  },
];
const mysqlCases: Case[] = [
  {
    label: '"…" is a string',
    input: 'select * from t where nickname = "foo";',
    expected: 'select * from t where nickname = ?;',
    replaced: 1,
  },
  {
    label: '# starts a comment',
    input: 'SELECT 1 # password=hunter2\nFROM t',
    expected: 'SELECT ?\nFROM t',
    replaced: 2,
  },
  {
    label: 'backslash escapes',
    input: "WHERE a = 'it\\'s' AND b = 'c'",
    expected: 'WHERE a = ? AND b = ?',
    replaced: 2,
  },
];
const unknownSystemCases: Case[] = [
  {
    label: 'a string ending in a backslash is read again without escapes',
    input: LIKE_ESCAPE,
    expected: LIKE_ESCAPE_REDACTED,
    replaced: 5,
  },
  {
    label: 'a Windows path, then an address',
    input: "SELECT * FROM files WHERE path = 'C:\\' AND owner = 'alice@example.com'",
    expected: 'SELECT * FROM files WHERE path = ? AND owner = ?',
    replaced: 2,
  },
];

const byDialect: [QueryDialect, Case[]][] = [
  ['sql', sqlCases],
  ['sql', unknownSystemCases],
  ['sql-standard', standardCases],
  ['mysql', mysqlCases],
  ['redis', redisCases],
  ['json', jsonCases],
];
const allCases = byDialect.flatMap(([dialect, cases]) =>
  cases.map((c) => [`${dialect}: ${c.label}`, { ...c, dialect }] as const),
);

describe('redactQueryLiterals', () => {
  it.each(allCases)('%s', (_, { input, dialect, expected, replaced }) => {
    const result = redactQueryLiterals(input, dialect);
    expect(result).toEqual({ text: expected, replaced });
    // Nothing changed: the very same string comes back.
    if (replaced === 0) expect(result.text).toBe(input);
  });

  it.each(allCases)('%s: stable when redacted again', (_, { input, dialect }) => {
    const once = redactQueryLiterals(input, dialect).text;
    const twice = redactQueryLiterals(once, dialect);
    expect(twice.replaced).toBe(0);
    expect(twice.text).toBe(once);
  });

  it('treats an unknown dialect as SQL', () => {
    expect(redactQueryLiterals("x = 'a'", 'mysql' as QueryDialect)).toEqual({ text: 'x = ?', replaced: 1 });
  });

  it('fails closed instead of throwing on a non-string', () => {
    expect(redactQueryLiterals(42 as unknown as string, 'sql')).toEqual({ text: '?', replaced: 1 });
    expect(redactQueryLiterals(undefined as unknown as string, 'json')).toEqual({ text: '?', replaced: 1 });
  });
});

describe('length cap', () => {
  it('keeps a text of exactly 64 KiB whole', () => {
    const input = 'SELECT ' + 'a'.repeat(MAX - 7);
    const result = redactQueryLiterals(input, 'sql');
    expect(result.text).toBe(input);
    expect(result.replaced).toBe(0);
  });

  it('cuts a longer text and counts the cut as one replacement', () => {
    const input = 'SELECT ' + 'a'.repeat(MAX);
    expect(redactQueryLiterals(input, 'sql')).toEqual({ text: input.slice(0, MAX) + '…', replaced: 1 });
  });

  it('redacts a literal cut in two by the cap', () => {
    const input = "SELECT '" + 'x'.repeat(70_000) + "' FROM t";
    expect(redactQueryLiterals(input, 'sql')).toEqual({ text: 'SELECT ?…', replaced: 2 });
  });

  it('does not split a surrogate pair at the cut', () => {
    const input = 'a'.repeat(MAX - 1) + '😀b';
    const result = redactQueryLiterals(input, 'sql');
    expect(result.text).toBe('a'.repeat(MAX - 1) + '…');
  });

  it.each(['sql', 'redis', 'json'] as const)('%s: caps a huge value', (dialect) => {
    const value = 's'.repeat(200_000);
    const inputs = { sql: `SELECT '${value}'`, redis: `SET k ${value}`, json: `{"a": "${value}"}` };
    const input = inputs[dialect];
    const result = redactQueryLiterals(input, dialect);
    expect(result.text.length).toBeLessThan(20);
    expect(result.text.endsWith('…')).toBe(true);
  });
});

describe('pathological inputs', () => {
  const shapes: [string, string][] = [
    ['quotes', "'"],
    ['double quotes', '"'],
    ['backticks', '`'],
    ['backslashes', '\\'],
    ['dollars', '$'],
    ['dollar tags', '$a'],
    ['comment openers', '/*'],
    ['dashes', '-'],
    ['braces', '{'],
    ['quote-colon', '":'],
    ['escaped quotes', "\\'"],
  ];
  const inputs = shapes.flatMap(([name, unit]) =>
    [60_000, 100_000].map((count) => ({ name: `${count} ${name}`, text: unit.repeat(count) })),
  );
  const runs = inputs.flatMap((input) =>
    (['sql', 'redis', 'json'] as const).map((dialect) => ({ ...input, dialect })),
  );

  it.each(runs)('$dialect: $name', ({ text, dialect }) => {
    const result = redactQueryLiterals(text, dialect);
    expect(result.text.length).toBeLessThanOrEqual(MAX + 1);
    expect(result.replaced).toBeGreaterThanOrEqual(text.length > MAX ? 1 : 0);
  });

  it('reads 60k quotes as one string literal', () => {
    expect(redactQueryLiterals("'".repeat(60_001), 'sql')).toEqual({ text: '?', replaced: 1 });
  });

  it('leaves 60k backslashes alone', () => {
    const input = '\\'.repeat(60_000);
    const result = redactQueryLiterals(input, 'sql');
    expect(result.text).toBe(input);
    expect(result.replaced).toBe(0);
  });
});

describe('queryDialectOf', () => {
  it.each([
    ['redis', 'GET a', 'redis'],
    ['REDIS', 'GET a', 'redis'],
    ['mongodb', 'find users', 'json'],
    ['couchbase', 'SELECT 1', 'json'],
    ['elasticsearch', 'GET /_search', 'json'],
    ['opensearch', '', 'json'],
    ['postgresql', 'SELECT 1', 'sql-standard'],
    ['microsoft.sql_server', 'SELECT 1', 'sql-standard'],
    ['oracle', 'SELECT 1', 'sql-standard'],
    ['mysql', 'SELECT 1', 'mysql'],
    ['MariaDB', 'SELECT 1', 'mysql'],
    ['clickhouse', 'SELECT 1', 'sql'],
    [undefined, 'SELECT 1', 'sql'],
    ['postgresql', '  \n {"find": "users"}', 'json'],
    [undefined, '[1, 2]', 'json'],
    ['redis', '{"a": 1}', 'json'],
    [undefined, '', 'sql'],
  ] as const)('%s with %j is %s', (system, text, expected) => {
    expect(queryDialectOf(system, text)).toBe(expected);
  });
});
