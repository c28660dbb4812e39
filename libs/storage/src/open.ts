/**
 * The one place a DocumentStore adapter is chosen, from configuration
 * (ARCHITECTURE.md §3). Services log EMBEDDED_STORE_WARNING when they get the
 * embedded adapter; this package logs nothing itself.
 */
import { EmbeddedDocumentStore } from "./embedded";
import type { DocumentStore } from "./port";

export type DocumentStoreConfig =
  | {
      kind: "embedded";
      path: string;
      durability?: "full" | "normal";
      cacheSizeKiB?: number;
      /** Required to start with NODE_ENV=production: a single-server installation on purpose. */
      allowEmbeddedInProduction?: boolean;
      /** The largest the database file may grow; past it writes answer 503 as on a full disk. */
      maxSizeBytes?: number;
    }
  | { kind: "mongo"; url: string; dbName: string; serverSelectionTimeoutMS?: number };

/** For the caller's logger, at warn level, whenever the embedded store is opened. */
export const EMBEDDED_STORE_WARNING =
  "embedded store: not for a multi-server production — data lives in a local SQLite file on this server; use the mongo store (MongoDB replica set) to run on several servers";

export async function openDocumentStore(config: DocumentStoreConfig): Promise<DocumentStore> {
  switch (config.kind) {
    case "embedded":
      return EmbeddedDocumentStore.open(config);
    case "mongo": {
      // Loaded only here: an embedded platform's threads never pay for mongoose (decision 72).
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS package's lazy load
      const { MongoDocumentStore } = require("./mongo") as typeof import("./mongo");
      return MongoDocumentStore.connect(config);
    }
  }
}
