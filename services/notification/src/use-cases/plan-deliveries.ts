import { createHash } from "node:crypto";
import { EventTypes, decodeEvent, events } from "@lienthong/contracts";
import type { DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { Collections, type ContactRecord, type DeliveryRecord } from "../store/collections";
import type { NotificationPorts } from "./ports";
import { applicantMail, webhookBody } from "./templates";

const { DeliveryChannel, RecipientKind } = events;

/** Events of another topic may overtake the submission that tells us whom to notify: retry until it has arrived. */
export class ContactNotYetKnown extends Error {
  readonly retriable = true;
  constructor(dossierId: string) {
    super(`no contact recorded yet for dossier ${dossierId}`);
  }
}

/**
 * Turns one lifecycle event into pending deliveries — a mail to the applicant
 * and a signed webhook to the commune system that handed the dossier in —
 * stored atomically with the consumer's inbox marker. The dispatcher sends them.
 */
export async function planDeliveries(ports: NotificationPorts, event: DeliveredEvent): Promise<WriteOp[]> {
  if (event.type.startsWith("gov.lienthong.notification.")) return [];
  const ops: WriteOp[] = [];
  const payload = decodeEvent(event.type, event.data);
  let contact: ContactRecord | undefined;
  if (event.type === EventTypes.applicationSubmitted.type) {
    contact = contactOf(payload as unknown as events.ApplicationSubmitted);
    ops.push({ kind: "put", collection: Collections.contacts, id: contact.dossierId, data: contact });
  } else {
    contact = (await ports.store.get<ContactRecord>(Collections.contacts, event.key))?.data;
    if (!contact) throw new ContactNotYetKnown(event.key);
  }

  const mail = applicantMail(event.type, payload, contact.applicantName);
  if (mail && contact.email) {
    ops.push(
      delivery(
        ports,
        event,
        contact,
        DeliveryChannel.DELIVERY_CHANNEL_EMAIL,
        RecipientKind.RECIPIENT_KIND_APPLICANT,
        mail,
      ),
    );
  }
  const body = webhookBody(event, payload);
  if (body && ports.webhookUrlFor(contact.clientId)) {
    ops.push(
      delivery(
        ports,
        event,
        contact,
        DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK,
        RecipientKind.RECIPIENT_KIND_COMMUNE_SYSTEM,
        { webhookBody: body },
      ),
    );
  }
  return ops;
}

function contactOf(submitted: events.ApplicationSubmitted): ContactRecord {
  return {
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
  event: DeliveredEvent,
  contact: ContactRecord,
  channel: number,
  recipientKind: number,
  message: DeliveryRecord["message"],
): WriteOp {
  const notificationId = stableUuid(`${event.id}/${channel}/${recipientKind}`);
  const now = ports.now().toISOString();
  const record: DeliveryRecord = {
    notificationId,
    dossierId: contact.dossierId,
    dossierCode: contact.dossierCode,
    channel,
    recipientKind,
    triggerType: event.type,
    triggerEventId: event.id,
    traceparent: event.headers.traceparent ?? "",
    state: "pending",
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
    deliveredAt: null,
    lastError: null,
    message,
  };
  return { kind: "put", collection: Collections.deliveries, id: notificationId, data: record, expectedVersion: 0 };
}

/** A UUID derived from a name, so re-planning the same event gives the same notification ids. */
function stableUuid(name: string): string {
  const hex = createHash("sha256").update(name).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
