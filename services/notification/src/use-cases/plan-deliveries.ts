import { createHash } from "node:crypto";
import { EventTypes, decodeEvent, events, type DecodedEvent } from "@lienthong/contracts";
import type { ConsumedEvent } from "@lienthong/service-host";
import { put, type Versioned, type WriteOp } from "@lienthong/storage";
import {
  byPhone,
  contacts,
  deliveries,
  parkedEvents,
  type ContactRecord,
  type DeliveryRecord,
  type ParkedDossier,
  type ParkedEvent,
} from "../store/collections";
import type { NotificationPorts } from "./ports";
import { smsMessage } from "../channels/sms-text";
import { withStatus } from "./delivery-status";
import type { RenderedMessages, TemplateRef } from "../templates/catalog";
import { isTemplatedEvent, isUrgent } from "../templates/variables";
import { applicantMessages, webhookBody, type DossierEvent } from "./templates";

const { DeliveryChannel, RecipientKind } = events;

/** A lifecycle event to plan deliveries for: as consumed, or as it was parked. */
type TriggerEvent = DossierEvent & { id: string; type: string; time: string; key: string; traceparent: string };

/** notification's own events tell nobody anything. */
function isForeign(event: ConsumedEvent): event is ConsumedEvent & DossierEvent {
  return EventTypes[event.name].producer !== "notification";
}

/** The competent authority one of routing's events names, if any (an agency without a code is an unset field). */
function competentAuthorityNamedBy(event: DecodedEvent): string | undefined {
  switch (event.name) {
    case "dossierRouted":
    case "signatureRequested":
      return event.payload.competentAuthority?.code || undefined;
    case "dossierTransferred":
      return event.payload.toAuthority?.code || undefined;
    default:
      return undefined;
  }
}

/**
 * Turns one lifecycle event into pending deliveries — a mail to the applicant
 * and a signed webhook to the commune system that handed the dossier in —
 * stored atomically with the consumer's inbox marker. The dispatcher sends them.
 *
 * Events of other topics may overtake the submission that says whom to tell:
 * such an event is parked (stored with the inbox marker, so it is neither lost
 * nor parked twice) and planned, in arrival order, in the commit that records
 * the submission. Nothing waits in the consumer, so other dossiers flow on.
 */
export async function planDeliveries(ports: NotificationPorts, consumed: ConsumedEvent): Promise<WriteOp[]> {
  if (!isForeign(consumed)) return [];
  const event: TriggerEvent = { ...consumed, traceparent: consumed.headers.traceparent ?? "" };
  const gate = await ports.store.get(parkedEvents, event.key);
  if (event.name === "applicationSubmitted") return released(ports, event, event.payload, gate);

  if (gate && !gate.data.contactKnown) return [park(ports, consumed, gate)];
  const stored = await ports.store.get(contacts, event.key);
  // No gate and no contact: the first word of this dossier. (A contact without a gate predates parking.)
  if (!stored) return [park(ports, consumed, gate)];
  const { contact, changed } = contactAfter(stored.data, event);
  const ops = plan(ports, event, contact);
  if (changed) ops.unshift(put(contacts, contact.dossierId, contact, stored.version));
  return ops;
}

/**
 * The submission: its contact, its own deliveries, then those of every event
 * parked before it, in arrival order. The gate is written with its version
 * (or created), so an event parked concurrently makes one of the two commits
 * conflict and retry with what the other stored.
 */
function released(
  ports: NotificationPorts,
  submission: TriggerEvent,
  submitted: events.ApplicationSubmitted,
  gate: Versioned<ParkedDossier> | undefined,
): WriteOp[] {
  let contact = contactOf(submitted);
  if (contact.preferences?.consentedAt === "")
    // Ids only. Counted from the commit (notification_preferences_without_consent_total).
    ports.logger.warn(
      { dossierId: contact.dossierId, eventId: submission.id },
      "the applicant's channels came without a time of consent: the applicant is told on no channel",
    );
  const ops = plan(ports, submission, contact);
  const waiting = gate && !gate.data.contactKnown ? gate.data.events : [];
  for (const parked of waiting) {
    const event = unparked(parked, submission.key);
    contact = contactAfter(contact, event).contact;
    ops.push(...plan(ports, event, contact));
  }
  if (waiting.length > 0) {
    ports.logger.info(
      { dossierId: contact.dossierId, released: waiting.length },
      "the submission arrived: parked events planned in arrival order",
    );
  }
  const known: ParkedDossier = {
    dossierId: contact.dossierId,
    contactKnown: true,
    events: [],
    parkedSince: null,
    alertedAt: null,
  };
  return [
    put(contacts, contact.dossierId, contact),
    put(parkedEvents, contact.dossierId, known, gate?.version ?? 0),
    ...ops,
  ];
}

/** Appends an event to its dossier's parked events (creating the gate), version-checked against a concurrent submission. */
function park(ports: NotificationPorts, event: ConsumedEvent, gate: Versioned<ParkedDossier> | undefined): WriteOp {
  const now = ports.now().toISOString();
  const parked: ParkedEvent = {
    id: event.id,
    type: event.type,
    time: event.time,
    traceparent: event.headers.traceparent ?? "",
    data: Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength).toString("base64"),
    parkedAt: now,
  };
  const waiting = gate?.data.events ?? [];
  ports.logger.info(
    { dossierId: event.key, eventId: event.id, type: event.type, parked: waiting.length + 1 },
    "event parked until the dossier's submission arrives",
  );
  const record: ParkedDossier = {
    dossierId: event.key,
    contactKnown: false,
    events: [...waiting, parked],
    parkedSince: gate?.data.parkedSince ?? now,
    alertedAt: gate?.data.alertedAt ?? null,
  };
  return put(parkedEvents, event.key, record, gate?.version ?? 0);
}

/** A parked event decoded again (its bytes were decoded once already when it arrived). */
function unparked(parked: ParkedEvent, dossierId: string): TriggerEvent {
  return {
    ...(decodeEvent(parked.type, Buffer.from(parked.data, "base64")) as DossierEvent),
    id: parked.id,
    type: parked.type,
    time: parked.time,
    key: dossierId,
    traceparent: parked.traceparent,
  };
}

/** The contact with the competent authority the event names, if it names another one. */
function contactAfter(contact: ContactRecord, event: DecodedEvent): { contact: ContactRecord; changed: boolean } {
  const authority = competentAuthorityNamedBy(event);
  if (!authority || authority === contact.competentAuthorityCode) return { contact, changed: false };
  return { contact: { ...contact, competentAuthorityCode: authority }, changed: true };
}

function plan(ports: NotificationPorts, event: TriggerEvent, contact: ContactRecord): WriteOp[] {
  const ops: WriteOp[] = [];
  const { preferences } = contact;
  const messages = applicantMessages(ports.templates, event, contact.applicantName, preferences?.language ?? "vi");
  // No consent, no message on that channel (Decree 13/2023/NĐ-CP); a submission that did not ask keeps every channel.
  if (messages && contact.email && chosen(contact, "email")) {
    ops.push(
      delivery(
        ports,
        event,
        contact,
        DeliveryChannel.DELIVERY_CHANNEL_EMAIL,
        RecipientKind.RECIPIENT_KIND_APPLICANT,
        "",
        messages.email,
        messages.ref,
      ),
    );
  }
  if (messages) ops.push(...phoneDeliveries(ports, event, contact, messages));
  const body = webhookBody(event);
  const endpoint = ports.webhooks.of(contact.clientId);
  if (body && endpoint) {
    ops.push(
      delivery(
        ports,
        event,
        contact,
        DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK,
        RecipientKind.RECIPIENT_KIND_COMMUNE_SYSTEM,
        endpoint.id,
        { webhookBody: body },
      ),
    );
  }
  return ops;
}

/**
 * The applicant's message by phone, when their application carries a number
 * and a phone channel is configured: ZNS when the event has an approved
 * template (with the SMS to send instead should ZNS fail permanently), else SMS.
 */
function phoneDeliveries(
  ports: NotificationPorts,
  event: TriggerEvent,
  contact: ContactRecord,
  messages: RenderedMessages,
): WriteOp[] {
  if (!contact.phone) return [];
  const { sms, zns } = ports.phone;
  const smsText = sms && chosen(contact, "sms") ? smsMessage(messages.sms, sms.diacritics) : undefined;
  const templateId =
    zns && chosen(contact, "zalo") && isTemplatedEvent(event.name) ? zns.templates[event.name] : undefined;
  const applicant = RecipientKind.RECIPIENT_KIND_APPLICANT;
  const { ref } = messages;
  // A phone rings: news that can wait does, until the quiet hours end, checked right before each call (a mail waits
  // in its mailbox anyway).
  const urgent = isTemplatedEvent(event.name) && isUrgent(event.name);
  const planned = (channel: number, message: DeliveryRecord["message"]) =>
    delivery(ports, event, contact, channel, applicant, "", message, ref, urgent);
  if (templateId) {
    const message = { znsTemplateId: templateId, znsData: messages.zns, ...(smsText && { smsFallback: smsText }) };
    return [planned(DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS, message)];
  }
  return smsText ? [planned(DeliveryChannel.DELIVERY_CHANNEL_SMS, smsText)] : [];
}

/**
 * Whether the applicant agreed to be told on a channel: yes when the submission did not ask (every application
 * before preferences); with preferences, only a channel chosen with a time of consent (decision 60).
 */
function chosen(contact: ContactRecord, channel: "email" | "sms" | "zalo"): boolean {
  const { preferences } = contact;
  if (!preferences) return true;
  return preferences.consentedAt !== "" && preferences[channel];
}

function contactOf(submitted: events.ApplicationSubmitted): ContactRecord {
  const preferences = submitted.applicant?.notificationPreferences;
  return {
    ...(preferences && {
      preferences: {
        email: preferences.email,
        sms: preferences.sms,
        zalo: preferences.zalo,
        language: preferences.language === "en" ? "en" : "vi",
        consentedAt: preferences.consentedAt,
      },
    }),
    dossierId: submitted.dossierId,
    dossierCode: submitted.dossierCode,
    applicantName: submitted.applicant?.fullName ?? "",
    email: submitted.applicant?.email ?? "",
    phone: submitted.applicant?.phone ?? "",
    clientId: submitted.clientId,
    receivingUnitCode: submitted.receivingUnitCode,
  };
}

function delivery(
  ports: NotificationPorts,
  event: TriggerEvent,
  contact: ContactRecord,
  channel: number,
  recipientKind: number,
  endpointId: string,
  message: DeliveryRecord["message"],
  template?: TemplateRef,
  urgent?: boolean,
): WriteOp {
  const notificationId = stableUuid(`${event.id}/${channel}/${recipientKind}`);
  const now = ports.now();
  const record = plannedDelivery(now, {
    notificationId,
    dossierId: contact.dossierId,
    dossierCode: contact.dossierCode,
    channel,
    recipientKind,
    triggerType: event.type,
    triggerEventId: event.id,
    endpointId,
    traceparent: event.traceparent,
    message,
    ...(template && { template }),
    ...(urgent !== undefined && { urgent }),
  });
  return put(deliveries, notificationId, record, 0);
}

/** A delivery just planned: created, due now; a phone message's provider request id is its notification id. */
export function plannedDelivery(
  now: Date,
  planned: Pick<
    DeliveryRecord,
    | "notificationId"
    | "dossierId"
    | "dossierCode"
    | "channel"
    | "recipientKind"
    | "triggerType"
    | "triggerEventId"
    | "endpointId"
    | "traceparent"
    | "message"
    | "template"
    | "urgent"
  >,
): DeliveryRecord {
  const record: DeliveryRecord = {
    ...planned,
    ...(byPhone(planned.message) && { providerRequestId: planned.notificationId }),
    state: "pending",
    attempts: 0,
    firstAttemptAt: null,
    createdAt: now.toISOString(),
    nextAttemptAt: now.toISOString(),
    deliveredAt: null,
    lastError: null,
  };
  return withStatus(record, "created", now);
}

/** A UUID derived from a name, so re-planning the same event gives the same notification ids. */
export function stableUuid(name: string): string {
  const hex = createHash("sha256").update(name).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
