// Span attributes as the OpenTelemetry instrumentations write them (HTTP and database semantic
// conventions), one key order for every traffic source. An option left undefined is left out.

const KEYS = {
  method: 'http.request.method',
  route: 'http.route',
  path: 'url.path',
  url: 'url.full',
  scheme: 'url.scheme',
  host: 'server.address',
  port: 'server.port',
  peerService: 'peer.service',
  protocol: 'network.protocol.version',
  clientAddress: 'client.address',
  userAgent: 'user_agent.original',
  status: 'http.response.status_code',
};
const SERVER = [
  'method',
  'route',
  'path',
  'scheme',
  'host',
  'port',
  'protocol',
  'clientAddress',
  'userAgent',
  'status',
];
const CLIENT = ['method', 'url', 'scheme', 'host', 'port', 'peerService', 'protocol', 'status'];

function attributesOf(names, options) {
  const attributes = {};
  for (const name of names) if (options[name] !== undefined) attributes[KEYS[name]] = options[name];
  return attributes;
}

/** An incoming HTTP request (instrumentation-http's server span). */
export const httpServerAttributes = (options) => attributesOf(SERVER, options);

/** An outgoing HTTP call (instrumentation-http's or -undici's client span). */
export const httpClientAttributes = (options) => attributesOf(CLIENT, options);

/** A PostgreSQL query (instrumentation-pg's client span). */
export function postgresAttributes({ database, operation, table, query, host, port = 5432 }) {
  return {
    'db.system.name': 'postgresql',
    'db.namespace': database,
    'db.operation.name': operation,
    'db.collection.name': table,
    'db.query.text': query,
    'server.address': host,
    'server.port': port,
  };
}
