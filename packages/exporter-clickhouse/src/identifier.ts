const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,205}$/;

/**
 * Checks a database or table name before it is spliced into SQL: ClickHouse
 * cannot bind identifiers as parameters, and `insert()` in @clickhouse/client
 * takes table names verbatim.
 */
export function assertIdentifier(kind: string, value: unknown): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new TypeError(
      `${kind} must be a plain identifier (letters, digits, underscore; not starting with a digit), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
