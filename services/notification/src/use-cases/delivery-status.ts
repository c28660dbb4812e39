import type { DeliveryRecord, DeliveryState, DeliveryStatus } from "../store/collections";

/**
 * GOV.UK Notify's statuses mapped onto the dispatcher's states: the status
 * says where the message stands, the state what notification does next.
 * A temporary failure of the call (timeout, 5xx) is retried (pending, or
 * held with its suspended webhook endpoint); one a receipt reports (the phone
 * stayed off until the gateway gave up) is settled (failed), as in Notify.
 * Notify's "sending" means "with the provider"; here it is recorded just
 * before the call, and a provider's acceptance is "pending" (see the README).
 */
const STATES_OF_STATUS: Record<DeliveryStatus, readonly DeliveryState[]> = {
  created: ["pending", "held"],
  sending: ["pending"],
  pending: ["sent"],
  sent: ["delivered"],
  delivered: ["delivered"],
  "permanent-failure": ["failed"],
  "temporary-failure": ["pending", "failed", "held"],
  "technical-failure": ["failed"],
};

/** The status of a delivery recorded before statuses were (state `sent` came with them): what its state meant then. */
const STATUS_OF_LEGACY_STATE: Record<Exclude<DeliveryState, "sent">, DeliveryStatus> = {
  pending: "created",
  held: "created",
  delivered: "sent",
  failed: "technical-failure",
};

export function statusOf(delivery: DeliveryRecord): DeliveryStatus {
  if (delivery.status) return delivery.status;
  if (delivery.state === "sent") throw new Error("a delivery in state sent was recorded without its status");
  return STATUS_OF_LEGACY_STATE[delivery.state];
}

/**
 * The delivery moved to `status` (and `state`, the first the table allows
 * unless one is named), the step appended to its history. A state the
 * status does not allow is a programming error.
 */
export function withStatus(
  delivery: DeliveryRecord,
  status: DeliveryStatus,
  at: Date,
  options: { reason?: string; state?: DeliveryState } = {},
): DeliveryRecord {
  const allowed = STATES_OF_STATUS[status];
  const state = options.state ?? allowed[0]!;
  if (!allowed.includes(state)) throw new Error(`a delivery with status ${status} cannot be ${state}`);
  const step = { status, at: at.toISOString(), ...(options.reason !== undefined && { reason: options.reason }) };
  return { ...delivery, status, state, history: [...(delivery.history ?? []), step] };
}

/**
 * The delivery in another state its status allows, with no new status (so no
 * history step): held for its suspended endpoint, released when it resumes. A
 * state the status does not allow is a programming error.
 */
export function withState(delivery: DeliveryRecord, state: DeliveryState): DeliveryRecord {
  const status = statusOf(delivery);
  if (!STATES_OF_STATUS[status].includes(state)) throw new Error(`a delivery with status ${status} cannot be ${state}`);
  return { ...delivery, state };
}
