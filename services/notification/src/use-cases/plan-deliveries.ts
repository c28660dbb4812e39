import { createHash } from "node:crypto";
import { events } from "@lienthong/contracts";
import { PlatformError } from "@lienthong/errors";
import type { ConsumedEvent } from "@lienthong/service-host";
import { put, type WriteOp } from "@lienthong/storage";
import { contacts, deliveries, type ContactRecord, type DeliveryRecord } from "../store/collections";
import type { NotificationPorts } from "./ports";
import { applicantMail, webhookBody } from "./templates";

const { DeliveryChannel, RecipientKind } = events;

/** Events of another topic may overtake the submission that tells us whom to notify: retry until it has arrived. */
function contactNotYetKnown(dossierId: string): PlatformError {
  return new PlatformError("UNAVAILABLE", `no contact recorded yet for dossier ${dossierId}`, {
    reason: "CONTACT_NOT_YET_KNOWN",
  });
}

/**
 * Turns one lifecycle event into pending deliveries — a mail to the applicant
 * and a signed webhook to the commune system that handed the dossier in —
 * stored atomically with the consumer's inbox marker. The dispatcher sends them.
 */
export async function planDeliveries(ports: NotificationPorts, event: ConsumedEvent): Promise<WriteOp[]> {
  if (event.name === "notificationDelivered" || event.name === "notificationFailed") return [];
  const ops: WriteOp[] = [];
  let contact: ContactRecord | undefined;
  if (event.name === "applicationSubmitted") {
    contact = contactOf(event.payload);
    ops.push(put(contacts, contact.dossierId, contact));
  } else {
    contact = (await ports.store.get(contacts, event.key))?.data;
    if (!contact) throw contactNotYetKnown(event.key);
  }

  const mail = applicantMail(event, contact.applicantName);
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
  const body = webhookBody(event);
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
  event: ConsumedEvent,
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
  return put(deliveries, notificationId, record, 0);
}

/** A UUID derived from a name, so re-planning the same event gives the same notification ids. */
function stableUuid(name: string): string {
  const hex = createHash("sha256").update(name).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
