import { defineCollection } from "@lienthong/storage";
import type { TemplateRef } from "../templates/catalog";
import type { TemplateLanguage } from "../templates/variables";

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
  /**
   * The channels the applicant agreed to at submission, and their language; absent when the submission did
   * not ask (then every channel whose contact is given, in Vietnamese).
   */
  preferences?: {
    email: boolean;
    sms: boolean;
    zalo: boolean;
    language: TemplateLanguage;
    /** When the applicant agreed; "" when the submission gave none: then no channel is used (decision 60). */
    consentedAt: string;
  };
}

/**
 * What notification does next with a delivery: `pending` is due (again) at
 * nextAttemptAt; `held` waits for its suspended webhook endpoint to recover
 * (never attempted meanwhile, never failed for it); `sent` waits for its
 * provider's receipt until nextAttemptAt (the receipt horizon);
 * `delivered` and `failed` are settled. The one list every transport reads.
 */
export const DELIVERY_STATES = ["pending", "held", "sent", "delivered", "failed"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * Where a message stands, in GOV.UK Notify's words (see STATES_OF_STATUS in
 * use-cases/delivery-status.ts). The one list every transport reads.
 */
export const DELIVERY_STATUSES = [
  "created",
  "sending",
  "pending",
  "sent",
  "delivered",
  "permanent-failure",
  "temporary-failure",
  "technical-failure",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One step of a message's lifecycle. */
export interface StatusChange {
  status: DeliveryStatus;
  at: string;
  /** notification's own words: never a provider's text, a phone number or an address. */
  reason?: string;
}

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
  /** Notify's status; absent on deliveries recorded before statuses were (statusOf derives it from the state). */
  status?: DeliveryStatus;
  /** Every status it went through, oldest first (absent like status). */
  history?: StatusChange[];
  /**
   * The id the provider deduplicates on (SMS request id, ZNS tracking id): the
   * notification id, then `<notification id>.<n>` after an operator's n-th
   * resend (a gateway would drop the old one as a duplicate). A mail's
   * Message-ID likewise (`<id>@lienthong`, `<id>.<n>@lienthong` after a resend:
   * a receiver that sees a Message-ID again may drop the message). Recorded
   * before the provider is called, so a retry after a crash sends the same one.
   */
  providerRequestId?: string;
  attempts: number;
  /** When it was first attempted (since the last resend): the retry horizon counts from here. */
  firstAttemptAt?: string | null;
  createdAt: string;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  /** Set when a non-urgent phone message waits for the end of quiet hours: urgent ones of its dossier overtake it. */
  quietUntil?: string;
  /**
   * Whether the applicant's message may ring in quiet hours (its event's urgency, decision 60), checked right before
   * each call of a phone message; absent on webhooks and on messages planned before it was recorded (never held).
   */
  urgent?: boolean;
  /** A ZNS call whose outcome is unknown: it may have reached the citizen, so an operator never resends it. */
  outcomeUnknown?: boolean;
  /** The template the applicant's message was rendered from (event, language, version, shipped or the province's); absent for webhooks. */
  template?: TemplateRef;
  /** What to send: a rendered mail, a webhook body, an SMS text or a ZNS template with its data. */
  message: MailMessage | { webhookBody: string } | SmsMessage | ZnsMessage;
}

export interface MailMessage {
  subject: string;
  text: string;
  /** The HTML alternative (absent on mail planned before templates had one). */
  html?: string;
}

/** An SMS as it goes to the gateway (diacritics already stripped when the gateway does not carry them). */
export interface SmsMessage {
  smsText: string;
  /** How many segments the gateway will bill: GSM-7 160/153 characters, UCS-2 70/67. */
  segments: number;
  encoding: "GSM-7" | "UCS-2";
}

/** A ZNS message: the Zalo-approved template and the values of its parameters. */
export interface ZnsMessage {
  znsTemplateId: string;
  znsData: Record<string, string>;
  /** The SMS sent instead when ZNS fails for good, whatever the failure (absent without an SMS gateway). */
  smsFallback?: SmsMessage;
}

/** An SMS or a ZNS message: sent with a provider request id, settled by a receipt. */
export function byPhone(message: DeliveryRecord["message"]): message is SmsMessage | ZnsMessage {
  return "smsText" in message || "znsTemplateId" in message;
}

/** A ZNS message: Zalo does not deduplicate on its tracking id, so a call with an unknown outcome is never repeated. */
export function byZns(message: DeliveryRecord["message"]): message is ZnsMessage {
  return "znsTemplateId" in message;
}

export const contacts = defineCollection<ContactRecord>("contacts", { indexes: [["dossierCode"]] });

export const deliveries = defineCollection<DeliveryRecord>("deliveries", {
  indexes: [
    ["dossierId", "createdAt"],
    ["dossierCode", "createdAt"],
    ["state", "nextAttemptAt"],
    // The dispatcher's page per provider (decision 61).
    ["state", "channel", "nextAttemptAt"],
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
