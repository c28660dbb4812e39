import { events } from "@lienthong/contracts";
import { notFound } from "@lienthong/errors";
import { isPlatformId } from "@lienthong/service-host";
import { ConflictError, put, type WriteOp } from "@lienthong/storage";
import type { DeliveryStatusNotification } from "../channels/dsn";
import { deliveries } from "../store/collections";
import { outcomeEvent } from "./dispatch-deliveries";
import { statusOf, withStatus } from "./delivery-status";
import type { NotificationPorts } from "./ports";

export type DsnOutcome = "recorded" | "already-settled" | "superseded" | "delayed";

/** Our mail's Message-ID: `<notification id@lienthong>`, `<notification id.n@lienthong>` after the n-th resend. */
const OUR_MESSAGE_ID = /^(([0-9a-f-]{36})(?:\.\d{1,9})?)@lienthong$/;

const EMAIL: number = events.DeliveryChannel.DELIVERY_CHANNEL_EMAIL;

/** Conflicts retried: the dispatcher may be recording the SMTP server's acceptance at the same moment. */
const ATTEMPTS = 5;

/**
 * A delivery status notification settles the mail it returns, found by its
 * Message-ID, any of those it was sent with: `failed` makes it a permanent
 * failure (with a NotificationFailed, after the NotificationDelivered its SMTP
 * acceptance published: the bounce corrects it); `delivered` or `expanded`
 * make it delivered (no second event); `relayed` (handed to a system that
 * sends no DSNs: RFC 3464 §2.3.3) and `delayed` confirm nothing, so the
 * status stays `sent` (relayed noted in its history). Only a mail the SMTP
 * server accepted and nothing settled since (status `sent`) changes; a
 * repeated or late DSN is acknowledged, one of a copy an operator's resend
 * replaced is `superseded`. A Message-ID that is not one of our mails is
 * NOT_FOUND.
 */
export async function recordDsn(ports: NotificationPorts, dsn: DeliveryStatusNotification): Promise<DsnOutcome> {
  const [, messageId, notificationId] = OUR_MESSAGE_ID.exec(dsn.originalMessageId) ?? [];
  if (!messageId || !notificationId || !isPlatformId(notificationId))
    throw notFound("mail", "(not a Message-ID of ours)");
  if (dsn.action === "delayed") return "delayed";
  for (let attempt = 1; ; attempt += 1) {
    const stored = await ports.store.get(deliveries, notificationId);
    if (!stored || stored.data.channel !== EMAIL) throw notFound("mail", notificationId);
    const { data, version } = stored;
    if (messageId !== (data.providerRequestId ?? data.notificationId)) return "superseded";
    if (statusOf(data) !== "sent") return "already-settled";
    const now = ports.now();
    let ops: WriteOp[];
    if (dsn.action === "failed") {
      // The status code only: the Diagnostic-Code repeats the address.
      const reason = `mail bounced (${dsn.status})`;
      const failed = withStatus({ ...data, lastError: reason }, "permanent-failure", now, { reason });
      ops = [put(deliveries, notificationId, failed, version), ...outcomeEvent(failed, "failed", now)];
    } else if (dsn.action === "relayed") {
      // Unconfirmed: the next system sends no DSN, so nothing will say whether it arrived.
      const relayed = withStatus(data, "sent", now, {
        reason: `mail relayed (${dsn.status}): no delivery report to come`,
      });
      ops = [put(deliveries, notificationId, relayed, version)];
    } else {
      const delivered = withStatus(data, "delivered", now, { reason: `mail ${dsn.action} (${dsn.status})` });
      ops = [put(deliveries, notificationId, delivered, version)];
    }
    try {
      await ports.commit(ops);
      ports.audit({ action: "record_mail_dsn", outcome: "allowed", target: data.dossierId });
      ports.logger.info(
        { notificationId, dossierId: data.dossierId, action: dsn.action, status: dsn.status },
        "delivery status notification recorded",
      );
      return "recorded";
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
