import type { CollectionSpec } from "@lienthong/storage";

/**
 * The collections the messaging lib writes in a service's own store. A service
 * passes them to store.ensureCollections at start, next to its own.
 */
export const INBOX_COLLECTION = "inbox";
export const OUTBOX_COLLECTION = "outbox";

export const messagingCollections: CollectionSpec[] = [
  // One marker per (consumer group, ce_id) already handled; processedAt lets an operator prune old ones.
  { name: INBOX_COLLECTION, indexes: [["processedAt"]] },
  // Events waiting for the relay, published in sequence order.
  { name: OUTBOX_COLLECTION, indexes: [["sequence"]] },
];
