import * as events from "./gen/gov/lienthong/events/v1/application_events";

/** The encode/decode pair every generated message offers. */
export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromPartial(object: Partial<T>): T;
}

/**
 * Topics are named per producing service and versioned (ARCHITECTURE.md §4).
 * This table is the one place that says which service owns which topic.
 */
export const Topics = {
  intake: "lienthong.intake.applications.v1",
  routing: "lienthong.routing.dossiers.v1",
  signature: "lienthong.signature.documents.v1",
  notification: "lienthong.notification.deliveries.v1",
} as const;
export type ProducingService = keyof typeof Topics;

function eventType<T>(type: string, producer: ProducingService, codec: Codec<T>) {
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
  resultReturned: eventType("gov.lienthong.dossier.result_returned.v1", "routing", events.ResultReturned),
  documentSigned: eventType("gov.lienthong.signature.signed.v1", "signature", events.DocumentSigned),
  signatureFailed: eventType("gov.lienthong.signature.failed.v1", "signature", events.SignatureFailed),
  notificationDelivered: eventType(
    "gov.lienthong.notification.delivered.v1",
    "notification",
    events.NotificationDelivered,
  ),
  notificationFailed: eventType("gov.lienthong.notification.failed.v1", "notification", events.NotificationFailed),
} as const;

export type EventTypeName = keyof typeof EventTypes;
export type EventTypeSpec = (typeof EventTypes)[EventTypeName];
/** The payload type of one catalogued event. */
export type PayloadOf<N extends EventTypeName> = ReturnType<(typeof EventTypes)[N]["codec"]["decode"]>;

const byType = new Map<string, EventTypeSpec>(Object.values(EventTypes).map((spec) => [spec.type, spec]));

/** Looks up a CloudEvents type; undefined for types this version does not know. */
export function eventTypeSpec(type: string): EventTypeSpec | undefined {
  return byType.get(type);
}

/** Every lifecycle event payload has these two fields, so consumers can correlate without decoding twice. */
export interface DossierEventPayload {
  dossierId: string;
  dossierCode: string;
  status?: number;
}

/** Decodes a payload by its CloudEvents type; throws on an unknown type. */
export function decodeEvent(type: string, data: Uint8Array): DossierEventPayload & Record<string, unknown> {
  const spec = eventTypeSpec(type);
  if (!spec) throw new Error(`unknown event type ${type}`);
  return (spec.codec as Codec<unknown>).decode(data) as DossierEventPayload & Record<string, unknown>;
}

/** Encodes a catalogued event's payload. */
export function encodeEvent<N extends EventTypeName>(name: N, payload: Partial<PayloadOf<N>>): Uint8Array {
  const codec = EventTypes[name].codec as unknown as Codec<PayloadOf<N>>;
  return codec.encode(codec.fromPartial(payload)).finish();
}
