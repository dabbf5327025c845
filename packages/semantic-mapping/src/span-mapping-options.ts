import {
  type AttributeAlternatives,
  DB_COLLECTION,
  DB_NAMESPACE,
  DB_OPERATION,
  DB_RESPONSE_STATUS_CODE,
  DB_SYSTEM,
  ERROR_TYPE,
  HTTP_REQUEST_METHOD,
  HTTP_RESPONSE_STATUS_CODE,
  HTTP_ROUTE,
  MESSAGING_DESTINATION,
  MESSAGING_OPERATION,
  MESSAGING_SYSTEM,
  NETWORK_PROTOCOL_VERSION,
  OptionValidator,
  RPC_RESPONSE_STATUS_CODE,
  RPC_SYSTEM,
  SERVER_ADDRESS,
  SERVER_PORT,
  URL_SCHEME,
} from '@tracepoint/core';

/** What to do with INTERNAL spans: a call and a response inside the component, or no points (exceptions are always kept). */
export type InternalSpanMode = 'calls' | 'none';

export interface SpanMappingOptions {
  /** This component's name. Default: the span resource's `service.name`, else `unknown_service`. */
  serviceName?: string;
  internalSpans?: InternalSpanMode;
  /** Attribute keys copied into `params` besides the built-in protocol keys. Never put secrets here. */
  paramAttributes?: readonly string[];
  maxParams?: number;
  maxParamLength?: number;
  maxStackTraceLength?: number;
}

export const SPAN_MAPPING_DEFAULTS = {
  internalSpans: 'none',
  maxParams: 32,
  maxParamLength: 256,
  maxStackTraceLength: 16384,
} as const satisfies Required<Omit<SpanMappingOptions, 'serviceName' | 'paramAttributes'>>;

/**
 * Protocol-level attributes copied into `params` (under their stable name, read
 * from the old name when that is what the span has). URLs, query texts and
 * headers are left out on purpose: they can carry secrets.
 */
export const DEFAULT_PARAM_ATTRIBUTES: readonly AttributeAlternatives[] = [
  HTTP_REQUEST_METHOD,
  HTTP_ROUTE,
  HTTP_RESPONSE_STATUS_CODE,
  URL_SCHEME,
  NETWORK_PROTOCOL_VERSION,
  SERVER_ADDRESS,
  SERVER_PORT,
  DB_SYSTEM,
  DB_NAMESPACE,
  DB_OPERATION,
  DB_COLLECTION,
  DB_RESPONSE_STATUS_CODE,
  RPC_SYSTEM,
  RPC_RESPONSE_STATUS_CODE,
  MESSAGING_SYSTEM,
  MESSAGING_DESTINATION,
  MESSAGING_OPERATION,
  ERROR_TYPE,
];

/** Key added to `params` when attributes had to be left out to respect `maxParams`; its value is how many. */
export const PARAMS_DROPPED_KEY = 'tracepoint.params_dropped';

export interface ResolvedSpanMappingOptions {
  readonly serviceName: string | undefined;
  readonly internalSpans: InternalSpanMode;
  readonly paramAttributes: readonly AttributeAlternatives[];
  readonly maxParams: number;
  readonly maxParamLength: number;
  readonly maxStackTraceLength: number;
}

const check: OptionValidator = new OptionValidator('semantic-mapping');

/** Validates once, so mapping a span never re-checks options. Throws a TypeError naming the bad option. */
export function resolveSpanMappingOptions(options: SpanMappingOptions = {}): ResolvedSpanMappingOptions {
  const internalSpans = check.oneOf(
    'internalSpans',
    options.internalSpans ?? SPAN_MAPPING_DEFAULTS.internalSpans,
    ['calls', 'none'],
  );
  if (options.serviceName !== undefined) check.nonEmptyString('serviceName', options.serviceName);
  const extra = options.paramAttributes ?? [];
  if (!Array.isArray(extra) || extra.some((key) => typeof key !== 'string' || key === '')) {
    check.invalid('paramAttributes', 'an array of attribute keys', extra);
  }
  return {
    serviceName: options.serviceName,
    internalSpans,
    paramAttributes: [...DEFAULT_PARAM_ATTRIBUTES, ...extra.map((key) => [key])],
    maxParams: check.integer('maxParams', options.maxParams ?? SPAN_MAPPING_DEFAULTS.maxParams, 0),
    maxParamLength: check.integer(
      'maxParamLength',
      options.maxParamLength ?? SPAN_MAPPING_DEFAULTS.maxParamLength,
      1,
    ),
    maxStackTraceLength: check.integer(
      'maxStackTraceLength',
      options.maxStackTraceLength ?? SPAN_MAPPING_DEFAULTS.maxStackTraceLength,
      1,
    ),
  };
}
