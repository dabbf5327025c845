import { type ColumnType, columnTypeText, parseColumnType } from './column-type.js';
import { OTEL_TRACES_COLUMNS, TRACE_POINT_COLUMNS } from './otel-traces-schema.js';
import type { ColumnSpec } from './table-ddl.js';

/**
 * The insert columns' types as this package's DDL declares them, with Nested
 * columns flattened to `Parent.Child Array(T)` as system.columns reports them.
 * Inserts never use these (the header carries the table's own types): they
 * are for encoding rows without a table, as the benchmarks and unit tests do.
 */
export function declaredColumnTypes(
  columns: readonly ColumnSpec[] = [...OTEL_TRACES_COLUMNS, ...TRACE_POINT_COLUMNS],
): Map<string, string> {
  const types = new Map<string, string>();
  for (const column of columns) {
    if (column.nested === undefined) {
      types.set(column.name, column.type);
      continue;
    }
    const nested = parseColumnType(column.type);
    column.nested.forEach((child, index) => {
      types.set(`${column.name}.${child}`, `Array(${columnTypeText(nested.args[index] as ColumnType)})`);
    });
  }
  return types;
}
