import { notFound } from "@lienthong/errors";
import { events } from "@lienthong/contracts";
import { ConflictError, put, type WriteOp } from "@lienthong/storage";
import { deliveries } from "../store/collections";
import { outcomeEvent } from "./dispatch-deliveries";
import { withStatus } from "./delivery-status";
import { smsFallback } from "./phone-fallback";
import type { NotificationPorts } from "./ports";

/** What a gateway reports of one message. */
export interface DeliveryReceipt {
  /** The request id (SMS) or tracking id (ZNS) the message was sent with. */
  requestId: string;
  status: "delivered" | "permanent-failure" | "temporary-failure";
}

export type ReceiptOutcome = "recorded" | "already-settled" | "superseded";

const CHANNEL_OF: Record<"sms" | "zns", number> = {
  sms: events.DeliveryChannel.DELIVERY_CHANNEL_SMS,
  zns: events.DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS,
};

/** Conflicts retried: the dispatcher may be recording the gateway's acceptance at the same moment. */
const ATTEMPTS = 5;

/**
 * A gateway's receipt settles its message: delivered, or failed (a ZNS
 * message failing, permanently or temporarily, plans its SMS in the same commit), with the
 * outcome event through the outbox. The receipt may come before notification
 * recorded the gateway's acceptance (the message is still "sending"): it is
 * recorded all the same, and the dispatcher's late write loses the race.
 * A receipt for a settled message changes nothing (gateways repeat theirs);
 * one for a request id an operator's resend replaced is acknowledged and
 * ignored. A request id notification never sent on this channel is NOT_FOUND.
 */
export async function recordReceipt(
  ports: NotificationPorts,
  gateway: keyof typeof CHANNEL_OF,
  receipt: DeliveryReceipt,
): Promise<ReceiptOutcome> {
  // `<notification id>` or `<notification id>.<n>` (plannedDelivery, resendDelivery).
  const notificationId = receipt.requestId.split(".")[0] ?? "";
  for (let attempt = 1; ; attempt += 1) {
    const stored = await ports.store.get(deliveries, notificationId);
    if (!stored || stored.data.channel !== CHANNEL_OF[gateway] || !stored.data.providerRequestId)
      throw notFound("message", receipt.requestId);
    const { data, version } = stored;
    if (data.providerRequestId !== receipt.requestId) return "superseded";
    if (data.state === "delivered" || data.state === "failed") return "already-settled";
    const now = ports.now();
    let ops: WriteOp[];
    if (receipt.status === "delivered") {
      const delivered = withStatus({ ...data, deliveredAt: now.toISOString(), lastError: null }, "delivered", now, {
        reason: `${gateway.toUpperCase()} receipt`,
      });
      ops = [put(deliveries, notificationId, delivered, version), ...outcomeEvent(delivered, "delivered", now)];
    } else {
      const reason = `${gateway.toUpperCase()} receipt: ${receipt.status}`;
      const failed = withStatus({ ...data, lastError: reason }, receipt.status, now, { reason, state: "failed" });
      ops = [
        put(deliveries, notificationId, failed, version),
        ...outcomeEvent(failed, "failed", now),
        ...smsFallback(failed, now),
      ];
    }
    try {
      await ports.commit(ops);
      // A receipt that changes a delivery is audited like an operator's action on it (ids only).
      ports.audit({ action: `record_${gateway}_receipt`, outcome: "allowed", target: data.dossierId });
      ports.logger.info(
        { notificationId, dossierId: data.dossierId, channel: data.channel, status: receipt.status },
        "delivery receipt recorded",
      );
      return "recorded";
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
