import { defineCollection } from "@lienthong/storage";

/**
 * The collections the messaging lib writes in a service's own store. A service
 * passes them to store.ensureCollections at start, next to its own.
 */

/** One marker per (consumer group, ce_id) already handled; processedAt lets an operator prune old ones. */
export interface InboxMarker {
  groupId: string;
  eventId: string;
  type: string;
  topic: string;
  processedAt: string;
}

/** An event waiting for the relay. */
export interface OutboxRecord {
  /** Publication order: increases across calls and restarts (microseconds since the epoch, bumped on ties). */
  sequence: number;
  topic: string;
  key: string;
  type: string;
  eventId: string;
  time: string;
  /** The protobuf payload, base64 because documents are JSON. */
  data: string;
  headers: Record<string, string>;
}

export const inbox = defineCollection<InboxMarker>("inbox", { indexes: [["processedAt"]] });
// Published in sequence order.
export const outbox = defineCollection<OutboxRecord>("outbox", { indexes: [["sequence"]] });

export const messagingCollections = [inbox, outbox];
