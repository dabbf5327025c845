/** OpenTelemetry status code names, as the Collector writes them. */
export type StatusCodeName = 'Unset' | 'Ok' | 'Error';

const KIND_NAMES: readonly string[] = ['Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_NAMES: readonly StatusCodeName[] = ['Unset', 'Ok', 'Error'];

/** A SpanKind as the OTel ClickHouse table writes it (`Server`), `Unspecified` for unknown values. */
export function spanKindName(kind: number): string {
  return KIND_NAMES[kind] ?? 'Unspecified';
}

/** A status code as the OTel ClickHouse table writes it (`Error`), `Unset` for unknown values. */
export function statusCodeName(code: number): StatusCodeName {
  return STATUS_NAMES[code] ?? 'Unset';
}
