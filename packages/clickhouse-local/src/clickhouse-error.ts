/** Error codes the local server sets itself (the names are ClickHouse's own). */
export const ErrorCode = {
  UNKNOWN_TABLE: 60,
  SYNTAX_ERROR: 62,
  UNKNOWN_DATABASE: 81,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  UNKNOWN_SETTING: 115,
  UNKNOWN_QUERY_PARAMETER: 456,
  ZLIB_INFLATE_FAILED: 354,
  UNKNOWN_COMPRESSION_METHOD: 638,
  AUTHENTICATION_FAILED: 516,
  STD_EXCEPTION: 1001,
} as const;

const codeNames = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

/** An engine error in the shape the ClickHouse HTTP interface reports it. */
export class LocalClickHouseError extends Error {
  constructor(
    readonly code: number,
    /** The whole `Code: N. DB::Exception: ... (NAME)` text. */
    readonly body: string,
  ) {
    super(body);
    this.name = 'LocalClickHouseError';
  }

  static of(code: number, message: string): LocalClickHouseError {
    const name = codeNames.get(code) ?? 'STD_EXCEPTION';
    return new LocalClickHouseError(code, `Code: ${code}. DB::Exception: ${message}. (${name})`);
  }

  /** Normalizes whatever the engine threw. Engine errors already carry `Code: N. DB::Exception: ... (NAME)`. */
  static from(err: unknown): LocalClickHouseError {
    if (err instanceof LocalClickHouseError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const match = /^Code: (\d+)\. /.exec(message);
    if (match) return new LocalClickHouseError(Number(match[1]), message);
    return LocalClickHouseError.of(ErrorCode.STD_EXCEPTION, message);
  }

  /** HTTP status the way the ClickHouse server picks it for the common cases. */
  get httpStatus(): number {
    switch (this.code) {
      case ErrorCode.UNKNOWN_TABLE:
      case ErrorCode.UNKNOWN_DATABASE:
        return 404;
      case ErrorCode.AUTHENTICATION_FAILED:
        return 401;
      case ErrorCode.SYNTAX_ERROR:
      case ErrorCode.BAD_ARGUMENTS:
      case ErrorCode.UNKNOWN_SETTING:
      case ErrorCode.UNKNOWN_QUERY_PARAMETER:
      case ErrorCode.ZLIB_INFLATE_FAILED:
      case ErrorCode.UNKNOWN_COMPRESSION_METHOD:
        return 400;
      default:
        return 500;
    }
  }
}
