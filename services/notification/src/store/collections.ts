import { defineCollection } from "@lienthong/storage";

/** How to reach a dossier's applicant and commune system (collection `contacts`, id = dossier id). */
export interface ContactRecord {
  dossierId: string;
  dossierCode: string;
  /** Personal data: used to send, never logged. */
  applicantName: string;
  email: string;
  phone: string;
  clientId: string;
  receivingUnitCode: string;
}

export type DeliveryState = "pending" | "delivered" | "failed";

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
  /** The trigger's trace context, so sending and its events stay in the dossier's trace. */
  traceparent: string;
  state: DeliveryState;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  /** What to send: a rendered mail or a webhook body. */
  message: { subject: string; text: string } | { webhookBody: string };
}

export const contacts = defineCollection<ContactRecord>("contacts");

export const deliveries = defineCollection<DeliveryRecord>("deliveries", {
  indexes: [
    ["dossierId", "createdAt"],
    ["dossierCode", "createdAt"],
    ["state", "nextAttemptAt"],
  ],
});

export const notificationCollections = [contacts, deliveries];
