export { ErrorCode, LocalClickHouseError } from './clickhouse-error.js';
export { createEmbeddedClient, type EmbeddedClientOptions } from './embedded-client.js';
export {
  DEFAULTS as LOCAL_HTTP_SERVER_DEFAULTS,
  type LocalHttpServer,
  type LocalHttpServerOptions,
  startLocalHttpServer,
} from './http-server.js';
export { type EngineRequest, type EngineResult, LocalEngine } from './local-engine.js';
export { PINNED_SETTINGS, pinnedConnectionArgs } from './pinned-settings.js';
