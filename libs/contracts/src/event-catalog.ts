import { PlatformError } from "@lienthong/errors";
import * as events from "./gen/gov/lienthong/events/v1/application_events";
import { Topics } from "./platform-services";

/** The encode/decode pair every generated message offers. */
interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromPartial(object: Partial<T>): T;
}

/** A service that publishes lifecycle events (its topic is in the platform's service list). */
type ProducingService = keyof typeof Topics;

function eventType<const Type extends string, const Producer extends ProducingService, Payload>(
  type: Type,
  producer: Producer,
  codec: Codec<Payload>,
) {
  return { type, producer, topic: Topics[producer], codec } as const;
}

/** Every lifecycle event: its CloudEvents type, its producer (hence topic) and its payload codec. */
export const EventTypes = {
  applicationSubmitted: eventType("gov.lienthong.application.submitted.v1", "intake", events.ApplicationSubmitted),
  applicationAccepted: eventType("gov.lienthong.application.accepted.v1", "routing", events.ApplicationAccepted),
  applicationRefused: eventType("gov.lienthong.application.refused.v1", "routing", events.ApplicationRefused),
  dossierRouted: eventType("gov.lienthong.dossier.routed.v1", "routing", events.DossierRouted),
  supplementRequested: eventType(
    "gov.lienthong.dossier.supplement_requested.v1",
    "routing",
    events.SupplementRequested,
  ),
  dossierDecided: eventType("gov.lienthong.dossier.decided.v1", "routing", events.DossierDecided),
  signatureRequested: eventType("gov.lienthong.signature.requested.v1", "routing", events.SignatureRequested),
  resultIssued: eventType("gov.lienthong.dossier.result_issued.v1", "routing", events.ResultIssued),
  supplementProvided: eventType(
    "gov.lienthong.application.supplement_provided.v1",
    "intake",
    events.SupplementProvided,
  ),
  withdrawalRequested: eventType(
    "gov.lienthong.application.withdrawal_requested.v1",
    "intake",
    events.WithdrawalRequested,
  ),
  dossierWithdrawn: eventType("gov.lienthong.dossier.withdrawn.v1", "routing", events.DossierWithdrawn),
  dossierResumed: eventType("gov.lienthong.dossier.resumed.v1", "routing", events.DossierResumed),
  paymentRequested: eventType("gov.lienthong.dossier.payment_requested.v1", "routing", events.PaymentRequested),
  paymentRecorded: eventType("gov.lienthong.dossier.payment_recorded.v1", "routing", events.PaymentRecorded),
  dossierStopped: eventType("gov.lienthong.dossier.stopped.v1", "routing", events.DossierStopped),
  dossierTransferred: eventType("gov.lienthong.dossier.transferred.v1", "routing", events.DossierTransferred),
  deadlineDueSoon: eventType("gov.lienthong.dossier.deadline_due_soon.v1", "routing", events.DeadlineDueSoon),
  dossierOverdue: eventType("gov.lienthong.dossier.overdue.v1", "routing", events.DossierOverdue),
  supplementOverdue: eventType("gov.lienthong.dossier.supplement_overdue.v1", "routing", events.SupplementOverdue),
  apologyIssued: eventType("gov.lienthong.dossier.apology_issued.v1", "routing", events.ApologyIssued),
  resultReturned: eventType("gov.lienthong.dossier.result_returned.v1", "routing", events.ResultReturned),
  documentSigned: eventType("gov.lienthong.signature.signed.v1", "signature", events.DocumentSigned),
  signatureFailed: eventType("gov.lienthong.signature.failed.v1", "signature", events.SignatureFailed),
  slipIssued: eventType("gov.lienthong.signature.slip_issued.v1", "signature", events.SlipIssued),
  notificationDelivered: eventType(
    "gov.lienthong.notification.delivered.v1",
    "notification",
    events.NotificationDelivered,
  ),
  notificationFailed: eventType("gov.lienthong.notification.failed.v1", "notification", events.NotificationFailed),
  // About a commune system's webhook endpoint, not a dossier: keyed by the endpoint id.
  notificationEndpointSuspended: eventType(
    "gov.lienthong.notification.endpoint_suspended.v1",
    "notification",
    events.NotificationEndpointSuspended,
  ),
  notificationEndpointResumed: eventType(
    "gov.lienthong.notification.endpoint_resumed.v1",
    "notification",
    events.NotificationEndpointResumed,
  ),
} as const;

export type EventTypeName = keyof typeof EventTypes;
/** The payload type of one catalogued event. */
export type PayloadOf<N extends EventTypeName> = ReturnType<(typeof EventTypes)[N]["codec"]["decode"]>;

/**
 * A lifecycle event decoded into its generated message type. A switch on
 * `name` narrows `payload`, so reading a field the event does not have — or
 * one a proto change renamed — fails to compile instead of reading undefined.
 */
export type DecodedEvent = { [N in EventTypeName]: { name: N; payload: PayloadOf<N> } }[EventTypeName];

const byType = new Map<string, EventTypeName>(
  (Object.keys(EventTypes) as EventTypeName[]).map((name) => [EventTypes[name].type, name]),
);

/** The catalogue name of a CloudEvents type; undefined for types this version does not know. */
export function eventNameOf(type: string): EventTypeName | undefined {
  return byType.get(type);
}

/**
 * Decodes a payload by its CloudEvents type. An unknown type or bytes that
 * are not the type's message are bad input, never worth a retry.
 */
export function decodeEvent(type: string, data: Uint8Array): DecodedEvent {
  const name = eventNameOf(type);
  if (!name) {
    throw new PlatformError("INVALID_ARGUMENT", `event type "${type}" is not in the event catalog`, {
      reason: "UNKNOWN_EVENT_TYPE",
    });
  }
  try {
    return { name, payload: (EventTypes[name].codec as Codec<unknown>).decode(data) } as DecodedEvent;
  } catch (cause) {
    throw new PlatformError("INVALID_ARGUMENT", `the payload of a "${type}" event is not its protobuf message`, {
      reason: "UNDECODABLE_PAYLOAD",
      cause,
    });
  }
}

/** Encodes a catalogued event's payload. */
function encodeEvent<N extends EventTypeName>(name: N, payload: Partial<PayloadOf<N>>): Uint8Array {
  const codec = EventTypes[name].codec as unknown as Codec<PayloadOf<N>>;
  return codec.encode(codec.fromPartial(payload)).finish();
}

/** An event ready for the outbox: its producer's topic, keyed by the dossier id (never personal data). */
export interface LifecycleEvent {
  topic: string;
  key: string;
  type: string;
  data: Uint8Array;
}

/** Builds a catalogued event about one dossier: topic and type from the catalog, key = dossier id. */
export function lifecycleEvent<N extends EventTypeName>(
  name: N,
  payload: Partial<PayloadOf<N>> & { dossierId: string },
): LifecycleEvent {
  const spec = EventTypes[name];
  return { topic: spec.topic, key: payload.dossierId, type: spec.type, data: encodeEvent(name, payload) };
}

type StatusRule = { [N in EventTypeName]: ((payload: PayloadOf<N>) => number) | null };

/**
 * Which events move a dossier to a new external status (docs/decisions.md §5):
 * one entry per event type, so a new event type must say whether it does.
 */
const carriedStatus: StatusRule = {
  applicationSubmitted: (p) => p.status,
  applicationAccepted: (p) => p.status,
  applicationRefused: (p) => p.status,
  dossierRouted: (p) => p.status,
  supplementRequested: (p) => p.status,
  dossierDecided: (p) => p.status,
  signatureRequested: null,
  resultIssued: (p) => p.status,
  supplementProvided: null,
  withdrawalRequested: null,
  dossierWithdrawn: (p) => p.status,
  dossierResumed: (p) => p.status,
  paymentRequested: (p) => p.status,
  paymentRecorded: null,
  dossierStopped: (p) => p.status,
  dossierTransferred: null,
  deadlineDueSoon: null,
  dossierOverdue: null,
  supplementOverdue: null,
  apologyIssued: null,
  resultReturned: (p) => p.status,
  documentSigned: null,
  signatureFailed: null,
  slipIssued: null,
  notificationDelivered: null,
  notificationFailed: null,
  notificationEndpointSuspended: null,
  notificationEndpointResumed: null,
};

/** The external status (1–10) the event moves its dossier to; undefined when it changes no status. */
export function statusCarriedBy<N extends EventTypeName>(event: {
  name: N;
  payload: PayloadOf<N>;
}): number | undefined {
  const rule = carriedStatus[event.name];
  const status = rule?.(event.payload);
  return status ? status : undefined;
}
