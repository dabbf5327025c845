import { OptionValidator } from '@tracepoint/core';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,205}$/;
const check: OptionValidator = new OptionValidator('exporter-clickhouse');

/**
 * Checks a database or table name before it is spliced into SQL: ClickHouse
 * cannot bind identifiers as parameters, and `insert()` in @clickhouse/client
 * takes table names verbatim.
 */
export function assertIdentifier(kind: string, value: unknown): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    check.invalid(kind, 'a plain identifier (letters, digits, underscore; not starting with a digit)', value);
  }
  return value;
}
