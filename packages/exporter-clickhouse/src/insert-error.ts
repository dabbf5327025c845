/** The fields of @clickhouse/client's ClickHouseError that decide what to do with a failure. */
function clickHouseCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  return typeof code === 'number' ? code : undefined;
}

/**
 * ClickHouse error codes of a server that is busy or restarting, worth a retry:
 * TIMEOUT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES, SOCKET_TIMEOUT, NETWORK_ERROR,
 * MEMORY_LIMIT_EXCEEDED, TABLE_IS_READ_ONLY, TOO_MANY_PARTS, UNKNOWN_STATUS_OF_INSERT,
 * ALL_CONNECTION_TRIES_FAILED, KEEPER_EXCEPTION, QUERY_WAS_CANCELLED, ABORTED.
 */
const RETRYABLE_CODES = new Set([159, 202, 209, 210, 241, 242, 252, 279, 319, 394, 236, 999]);

/**
 * Codes of a batch the server could not take because of its content: the
 * parse and conversion errors one bad row causes (25 CANNOT_PARSE_ESCAPE_SEQUENCE:
 * invalid UTF-8 or a lone surrogate escape; 130 CANNOT_READ_ARRAY_FROM_TEXT).
 * Such a batch is split to find it.
 */
const BAD_DATA_CODES = new Set([
  6, 25, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 130, 131, 321, 349, 1001,
]);

export type InsertFailureKind = 'retry' | 'bad-data' | 'fatal';

/**
 * What to do with a failed insert. @clickhouse/client does not expose the HTTP
 * status of a failed request: errors the server explains carry a ClickHouse
 * code; everything else — refused or reset connections, timeouts, a proxy's
 * 429/502/503/504 page — arrives as a plain Error and is worth a retry.
 */
export function classifyInsertError(error: unknown): InsertFailureKind {
  const code = clickHouseCode(error);
  if (code === undefined) return 'retry';
  if (RETRYABLE_CODES.has(code)) return 'retry';
  if (BAD_DATA_CODES.has(code)) return 'bad-data';
  return 'fatal';
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
