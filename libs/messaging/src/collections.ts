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

/**
 * Open until an operator replays it or discards it; either is final for that
 * letter. Replaying: claimed by an operator, its record on the way back.
 */
export type DeadLetterState = "open" | "replaying" | "replayed" | "discarded";

/**
 * One dead letter as the service's operators see it: where the record came
 * from, why and when its consumer gave up, and the record itself (bytes and
 * headers, as it arrived) so that it can be sent back. The payload holds what
 * the event holds, citizens' personal data included: it stays in the
 * service's own store, and whoever shows it decodes and masks it first.
 */
export interface DeadLetterRecord {
  /** The consumer group that gave up (the service's name). */
  group: string;
  /** ce_type, "" for a record that is not a CloudEvent. */
  type: string;
  /** ce_id, "" for a record that is not a CloudEvent. */
  eventId: string;
  /** The record's key: the dossier id, never personal data. */
  key: string;
  /**
   * The province of the dossier the record is about, "" when the record does
   * not tell (not a CloudEvent, a payload that does not decode): operators
   * see their own province's letters, and the ones nobody's province claims.
   */
  provinceCode: string;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  /** Stable reason (UNDECODABLE_PAYLOAD, UNAVAILABLE…) and its description: no data. */
  reason: string;
  error: string;
  attempts: number;
  firstFailedAt: string;
  failedAt: string;
  state: DeadLetterState;
  /** Who replayed or discarded it, when, and (discarded) why. */
  settledBy: string | null;
  settledAt: string | null;
  discardReason: string | null;
  /** The original headers, without the dlt_* ones. */
  headers: Record<string, string>;
  /** The original value, base64; "" once the letter is settled (its headers too are then forgotten). */
  value: string;
}

/**
 * Listed newest first by province, all of them or by state, optionally by event type.
 * The id is the letter's place on the dead-letter topic, so each letter is
 * one record however often it is delivered to the ledger.
 */
export const deadLetters = defineCollection<DeadLetterRecord>("dead_letters", {
  indexes: [
    ["provinceCode", "failedAt"],
    ["provinceCode", "state", "failedAt"],
    ["provinceCode", "type", "failedAt"],
    ["provinceCode", "type", "state", "failedAt"],
  ],
});

export const messagingCollections = [inbox, outbox, deadLetters];
