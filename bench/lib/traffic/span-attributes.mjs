// Span attributes as the OpenTelemetry instrumentations write them (HTTP and database semantic
// conventions), one key order for every traffic source. A key whose value is undefined is left out.

const defined = (entries) => Object.fromEntries(entries.filter((entry) => entry[1] !== undefined));

/** An incoming HTTP request (instrumentation-http's server span). */
export function httpServerAttributes(a) {
  return defined([
    ['http.request.method', a.method],
    ['http.route', a.route],
    ['url.path', a.path],
    ['url.scheme', a.scheme],
    ['server.address', a.host],
    ['server.port', a.port],
    ['network.protocol.version', a.protocol],
    ['client.address', a.clientAddress],
    ['user_agent.original', a.userAgent],
    ['http.response.status_code', a.status],
  ]);
}

/** An outgoing HTTP call (instrumentation-http's or -undici's client span). */
export function httpClientAttributes(a) {
  return defined([
    ['http.request.method', a.method],
    ['url.full', a.url],
    ['url.scheme', a.scheme],
    ['server.address', a.host],
    ['server.port', a.port],
    ['peer.service', a.peerService],
    ['network.protocol.version', a.protocol],
    ['http.response.status_code', a.status],
  ]);
}

/** A PostgreSQL query (instrumentation-pg's client span). */
export function postgresAttributes(a) {
  return defined([
    ['db.system.name', 'postgresql'],
    ['db.namespace', a.database],
    ['db.operation.name', a.operation],
    ['db.collection.name', a.table],
    ['db.query.text', a.query],
    ['server.address', a.host],
    ['server.port', a.port ?? 5432],
  ]);
}
