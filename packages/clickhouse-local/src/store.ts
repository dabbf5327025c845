// `@tracepoint/clickhouse-local/store`: finding, starting and stopping engines in other
// processes. Nothing here loads chdb, so apps can import it.
export {
  discoveryFile,
  STORE_FILES,
  type StoreServiceInfo,
} from './store-discovery.js';
export {
  ensureStoreService,
  findStoreService,
  type PrivateServer,
  STORE_IDLE_ENV,
  STORE_SERVICE_DEFAULTS,
  StoreServiceError,
  type StoreServiceOptions,
  type StoreServiceStatus,
  serviceBinPath,
  startPrivateServer,
  stopStoreService,
  storeAnswers,
  storeServiceStatus,
} from './store-service.js';
