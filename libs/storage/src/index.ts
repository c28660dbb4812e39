export {
  defineCollection,
  put,
  rangesOf,
  remove,
  type AnyCollection,
  type Collection,
  type DocumentStore,
  type Filter,
  type Query,
  type Range,
  type Scalar,
  type ScalarField,
  type Versioned,
  type WriteOp,
} from "./port";
export {
  ConflictError,
  InvalidStoreRequestError,
  StoreCannotWriteError,
  StoreConfigurationError,
  StoreUnavailableError,
  type ConflictReason,
} from "./errors";
export { DEFAULT_CACHE_SIZE_KIB, EmbeddedDocumentStore, type EmbeddedStoreOptions } from "./embedded";
// Types only: the Mongo adapter loads when a store opens on MongoDB (openDocumentStore); mongoose costs each thread ~30 MB.
export type { MongoDocumentStore, MongoStoreOptions } from "./mongo";
export { EMBEDDED_STORE_WARNING, openDocumentStore, type DocumentStoreConfig } from "./open";
export { WAL_SIZE_LIMIT_BYTES, capFileSize, hasRoomToWrite, isCannotWrite } from "./sqlite-room";
export { WalSync } from "./wal-sync";
export { BACKSTOP_CHECKPOINT_PAGES } from "./wal-checkpoints";
