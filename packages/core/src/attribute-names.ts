/**
 * Semantic-convention attribute names tracepoint reads, each as the list of
 * names that carry the same fact: the stable name first, older names after it.
 * Current instrumentations emit only the stable names, older ones only the old
 * names, so every lookup tries them in this order.
 */
export const HTTP_REQUEST_METHOD = ['http.request.method', 'http.method'] as const;
export const HTTP_ROUTE = ['http.route'] as const;
/** Low-cardinality path template (`/users/{id}`); the cleaner sets it when a span has no route. */
export const URL_TEMPLATE = ['url.template'] as const;
export const URL_FULL = ['url.full', 'http.url'] as const;
export const URL_PATH = ['url.path', 'http.target'] as const;
export const URL_SCHEME = ['url.scheme', 'http.scheme'] as const;
export const HTTP_HOST = ['http.host'] as const;
export const HTTP_RESPONSE_STATUS_CODE = ['http.response.status_code', 'http.status_code'] as const;
export const NETWORK_PROTOCOL_VERSION = ['network.protocol.version', 'http.flavor'] as const;
export const SERVER_ADDRESS = ['server.address', 'net.peer.name'] as const;
export const SERVER_PORT = ['server.port', 'net.peer.port'] as const;
export const CLIENT_ADDRESS = [
  'client.address',
  'http.client_ip',
  'net.peer.ip',
  'network.peer.address',
] as const;
export const PEER_SERVICE = ['server.service.name', 'peer.service'] as const;

export const DB_SYSTEM = ['db.system.name', 'db.system'] as const;
export const DB_NAMESPACE = ['db.namespace', 'db.name'] as const;
export const DB_OPERATION = ['db.operation.name', 'db.operation'] as const;
export const DB_COLLECTION = ['db.collection.name', 'db.sql.table', 'db.mongodb.collection'] as const;
export const DB_QUERY_SUMMARY = ['db.query.summary'] as const;
export const DB_QUERY_TEXT = ['db.query.text', 'db.statement'] as const;
export const DB_RESPONSE_STATUS_CODE = ['db.response.status_code'] as const;

export const RPC_SYSTEM = ['rpc.system.name', 'rpc.system'] as const;
export const RPC_METHOD = ['rpc.method'] as const;
export const RPC_SERVICE = ['rpc.service'] as const;
export const RPC_RESPONSE_STATUS_CODE = ['rpc.response.status_code', 'rpc.grpc.status_code'] as const;

export const MESSAGING_SYSTEM = ['messaging.system', 'messaging.system.name'] as const;
export const MESSAGING_DESTINATION = ['messaging.destination.name', 'messaging.destination'] as const;
export const MESSAGING_OPERATION = ['messaging.operation.type', 'messaging.operation'] as const;

export const CODE_FUNCTION_NAME = ['code.function.name'] as const;
export const CODE_NAMESPACE = ['code.namespace'] as const;
export const CODE_FUNCTION = ['code.function'] as const;

export const ERROR_TYPE = ['error.type'] as const;
export const SERVICE_NAME = 'service.name';

export const EXCEPTION_EVENT = 'exception';
export const EXCEPTION_TYPE = 'exception.type';
export const EXCEPTION_MESSAGE = 'exception.message';
export const EXCEPTION_STACKTRACE = 'exception.stacktrace';

/**
 * Set by `CallerSpanProcessor`: on server and consumer spans, the calling
 * component and method as the caller propagated them; on client, producer
 * (and optionally internal) spans, the method of this process that made the call.
 */
export const CALLER_COMPONENT = 'tracepoint.caller.component';
export const CALLER_METHOD = 'tracepoint.caller.method';

/** Names of one fact, stable first. */
export type AttributeAlternatives = readonly string[];

/** Names from the old (pre-stable) conventions among the above; the docs mark them. */
export const OLD_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set([
  'http.method',
  'http.url',
  'http.target',
  'http.scheme',
  'http.host',
  'http.status_code',
  'http.flavor',
  'http.client_ip',
  'net.peer.name',
  'net.peer.port',
  'net.peer.ip',
  'peer.service',
  'db.system',
  'db.name',
  'db.operation',
  'db.sql.table',
  'db.mongodb.collection',
  'db.statement',
  'rpc.system',
  'rpc.service',
  'rpc.grpc.status_code',
  'messaging.destination',
  'messaging.operation',
  'code.namespace',
  'code.function',
]);

/**
 * Every attribute name the mapping reads. The cleaner's fail-closed
 * allowlist always lets these through (their values are still scanned for
 * secrets), so trace points keep their components and methods.
 */
export const MAPPING_ATTRIBUTE_NAMES: readonly string[] = [
  ...HTTP_REQUEST_METHOD,
  ...HTTP_ROUTE,
  ...URL_TEMPLATE,
  ...URL_FULL,
  ...URL_PATH,
  ...URL_SCHEME,
  ...HTTP_HOST,
  ...HTTP_RESPONSE_STATUS_CODE,
  ...NETWORK_PROTOCOL_VERSION,
  ...SERVER_ADDRESS,
  ...SERVER_PORT,
  ...CLIENT_ADDRESS,
  ...PEER_SERVICE,
  ...DB_SYSTEM,
  ...DB_NAMESPACE,
  ...DB_OPERATION,
  ...DB_COLLECTION,
  ...DB_QUERY_SUMMARY,
  ...DB_QUERY_TEXT,
  ...DB_RESPONSE_STATUS_CODE,
  ...RPC_SYSTEM,
  ...RPC_METHOD,
  ...RPC_SERVICE,
  ...RPC_RESPONSE_STATUS_CODE,
  ...MESSAGING_SYSTEM,
  ...MESSAGING_DESTINATION,
  ...MESSAGING_OPERATION,
  ...CODE_FUNCTION_NAME,
  ...CODE_NAMESPACE,
  ...CODE_FUNCTION,
  ...ERROR_TYPE,
  SERVICE_NAME,
  EXCEPTION_TYPE,
  EXCEPTION_MESSAGE,
  EXCEPTION_STACKTRACE,
  CALLER_COMPONENT,
  CALLER_METHOD,
];
