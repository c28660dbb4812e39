import { events } from "@lienthong/contracts";
import { put, type WriteOp } from "@lienthong/storage";
import { byZns, deliveries, type DeliveryRecord } from "../store/collections";
import { plannedDelivery, stableUuid } from "./plan-deliveries";

/**
 * When a ZNS message failed for good, whatever the failure (Zalo refused it,
 * a receipt says it never arrived, its retry or receipt horizon passed, or a
 * call's outcome is unknown and is not repeated), the SMS planned with it, in
 * the same commit as the failure. Its id derives from the ZNS request id that
 * failed, not the notification id: an operator's resend of the ZNS message
 * (a new request id) that fails again gets an SMS of its own, and each is
 * created only once (version 0), so a repeated receipt or a retried commit
 * cannot send a second. Nothing for any other delivery, or a ZNS message
 * planned without an SMS gateway.
 */
export function smsFallback(failed: DeliveryRecord, now: Date): WriteOp[] {
  if (!byZns(failed.message) || !failed.message.smsFallback) return [];
  const notificationId = smsFallbackId(failed);
  const sms = plannedDelivery(now, {
    notificationId,
    dossierId: failed.dossierId,
    dossierCode: failed.dossierCode,
    channel: events.DeliveryChannel.DELIVERY_CHANNEL_SMS,
    recipientKind: failed.recipientKind,
    triggerType: failed.triggerType,
    triggerEventId: failed.triggerEventId,
    endpointId: "",
    traceparent: failed.traceparent,
    message: failed.message.smsFallback,
    // As urgent as the ZNS message: one that can wait is held at its call if the quiet hours have begun.
    ...(failed.urgent !== undefined && { urgent: failed.urgent }),
  });
  return [put(deliveries, notificationId, sms, 0)];
}

/** The id of the SMS that replaces a ZNS message's send under its current request id. */
export function smsFallbackId(zns: DeliveryRecord): string {
  return stableUuid(`${zns.providerRequestId ?? zns.notificationId}/sms-fallback`);
}
