import { defineCollection } from "@lienthong/storage";

/** How to reach a dossier's applicant and commune system (collection `contacts`, id = dossier id). */
export interface ContactRecord {
  dossierId: string;
  dossierCode: string;
  /** Personal data: used to send, never logged. */
  applicantName: string;
  email: string;
  phone: string;
  /** The commune system that handed the dossier in: its webhook is told. */
  clientId: string;
  /** Tenancy: a client acting for the receiving unit or the competent authority lists the dossier's deliveries. */
  receivingUnitCode: string;
  /** The competent authority routing's events last named (routed, transferred), once there is one. */
  competentAuthorityCode?: string;
}

/** `held`: waiting for its suspended webhook endpoint to recover (never attempted meanwhile, never failed for it). */
export type DeliveryState = "pending" | "held" | "delivered" | "failed";

/** One message to one recipient caused by one lifecycle event (collection `deliveries`). */
export interface DeliveryRecord {
  notificationId: string;
  dossierId: string;
  dossierCode: string;
  /** DeliveryChannel enum number. */
  channel: number;
  /** RecipientKind enum number. */
  recipientKind: number;
  triggerType: string;
  triggerEventId: string;
  /** The webhook endpoint (digest of its URL) a webhook goes to; "" for mail. */
  endpointId?: string;
  /** The trigger's trace context, so sending and its events stay in the dossier's trace. */
  traceparent: string;
  state: DeliveryState;
  attempts: number;
  /** When it was first attempted (since the last resend): the retry horizon counts from here. */
  firstAttemptAt?: string | null;
  createdAt: string;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  /** What to send: a rendered mail or a webhook body. */
  message: { subject: string; text: string } | { webhookBody: string };
}

export const contacts = defineCollection<ContactRecord>("contacts", { indexes: [["dossierCode"]] });

export const deliveries = defineCollection<DeliveryRecord>("deliveries", {
  indexes: [
    ["dossierId", "createdAt"],
    ["dossierCode", "createdAt"],
    ["state", "nextAttemptAt"],
    ["endpointId", "state", "createdAt"],
  ],
});

/** One event that arrived before its dossier's submission, kept as it came, to be planned when the contact is known. */
export interface ParkedEvent {
  id: string;
  type: string;
  time: string;
  /** The producer's trace context, so its deliveries stay in the dossier's trace. */
  traceparent: string;
  /** The payload as published (base64 of the protobuf bytes). */
  data: string;
  parkedAt: string;
}

/**
 * Per dossier (collection `parked_events`, id = dossier id): the events that
 * arrived before its submission, in arrival order, until the submission
 * releases them; then `contactKnown` stays true. Both the parking of an event
 * and the submission write this document with its version, so whichever
 * commits second sees the other (a retried conflict), on either store adapter.
 */
export interface ParkedDossier {
  dossierId: string;
  contactKnown: boolean;
  events: ParkedEvent[];
  /** When its first waiting event was parked; null once released. */
  parkedSince: string | null;
  /** When the wait passed NOTIFICATION_PARK_ALERT_AFTER_MS and was reported; null until then. */
  alertedAt: string | null;
}

export const parkedEvents = defineCollection<ParkedDossier>("parked_events", {
  indexes: [["contactKnown", "alertedAt", "parkedSince"]],
});

/** The health of one webhook endpoint (collection `webhook_endpoints`, id = digest of its URL). */
export interface EndpointRecord {
  endpointId: string;
  state: "active" | "suspended";
  /** Temporary failures in a row, of any of its deliveries; a success resets it. */
  consecutiveFailures: number;
  suspendedAt: string | null;
  /** Failed probes since the suspension: the probe backoff grows with it. */
  probes: number;
  nextProbeAt: string | null;
  lastError: string | null;
}

export const webhookEndpointStates = defineCollection<EndpointRecord>("webhook_endpoints", {
  indexes: [["state", "nextProbeAt"]],
});

export const notificationCollections = [contacts, deliveries, parkedEvents, webhookEndpointStates];
