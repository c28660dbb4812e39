import { lifecycleEvent } from "@lienthong/contracts";
import { backoffDelay, extractTraceContext, outboxWrites, type Logger } from "@lienthong/messaging";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { put, type WriteOp } from "@lienthong/storage";
import { DeliveryError, type MailSender, type WebhookSender } from "../channels/ports";
import { contacts, deliveries, type DeliveryRecord } from "../store/collections";
import type { NotificationPorts } from "./ports";

const tracer = trace.getTracer("notification");

export interface DispatchPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface DispatchChannels {
  mail: MailSender;
  webhook: WebhookSender;
}

/**
 * Sends every due pending delivery once. Success and final failure are stored
 * with their NotificationDelivered / NotificationFailed event in one commit;
 * a transient failure is rescheduled with backoff. Returns how many were tried.
 */
export async function dispatchDueDeliveries(
  ports: NotificationPorts,
  channels: DispatchChannels,
  policy: DispatchPolicy,
  logger: Logger,
  batchSize = 50,
): Promise<number> {
  const due = await ports.store.find(deliveries, {
    where: { state: "pending" },
    range: { field: "nextAttemptAt", lt: ports.now().toISOString() + "~" },
    orderBy: { field: "nextAttemptAt" },
    limit: batchSize,
  });
  for (const { data, version } of due) {
    await tracer.startActiveSpan(
      "notification.deliver",
      {
        attributes: {
          "lienthong.dossier_id": data.dossierId,
          "lienthong.notification_id": data.notificationId,
          "lienthong.channel": data.channel,
        },
      },
      extractTraceContext({ traceparent: data.traceparent }),
      async (span) => {
        try {
          await ports.commit(await attempt(ports, channels, policy, data, version));
          span.end();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          logger.warn(
            { notificationId: data.notificationId, dossierId: data.dossierId },
            "delivery attempt could not be recorded",
          );
          throw error;
        }
      },
    );
  }
  return due.length;
}

async function attempt(
  ports: NotificationPorts,
  channels: DispatchChannels,
  policy: DispatchPolicy,
  delivery: DeliveryRecord,
  version: number,
): Promise<WriteOp[]> {
  const attempts = delivery.attempts + 1;
  const now = ports.now();
  try {
    await send(ports, channels, delivery);
    const delivered: DeliveryRecord = {
      ...delivery,
      state: "delivered",
      attempts,
      deliveredAt: now.toISOString(),
      lastError: null,
    };
    return [putDelivery(delivered, version), ...outcomeEvent(delivered, "delivered")];
  } catch (error) {
    const reason = error instanceof DeliveryError ? error.message : "unexpected delivery error";
    const retriable = !(error instanceof DeliveryError) || error.retriable;
    if (retriable && attempts < policy.maxAttempts) {
      const next = new Date(
        now.getTime() + backoffDelay({ initialMs: policy.initialBackoffMs, maxMs: policy.maxBackoffMs }, attempts),
      );
      return [putDelivery({ ...delivery, attempts, lastError: reason, nextAttemptAt: next.toISOString() }, version)];
    }
    const failed: DeliveryRecord = { ...delivery, state: "failed", attempts, lastError: reason };
    return [putDelivery(failed, version), ...outcomeEvent(failed, "failed")];
  }
}

async function send(ports: NotificationPorts, channels: DispatchChannels, delivery: DeliveryRecord): Promise<void> {
  const contact = (await ports.store.get(contacts, delivery.dossierId))?.data;
  if (!contact) throw new DeliveryError("contact of the dossier is missing", false);
  if ("webhookBody" in delivery.message) {
    const url = ports.webhookUrlFor(contact.clientId);
    if (!url) throw new DeliveryError("the commune system has no webhook endpoint any more", false);
    await channels.webhook.send({ url, id: delivery.notificationId, body: delivery.message.webhookBody });
  } else {
    await channels.mail.send({
      to: contact.email,
      subject: delivery.message.subject,
      text: delivery.message.text,
      messageId: delivery.notificationId,
    });
  }
}

function putDelivery(record: DeliveryRecord, version: number): WriteOp {
  return put(deliveries, record.notificationId, record, version);
}

function outcomeEvent(delivery: DeliveryRecord, outcome: "delivered" | "failed"): WriteOp[] {
  const common = {
    dossierId: delivery.dossierId,
    dossierCode: delivery.dossierCode,
    notificationId: delivery.notificationId,
    channel: delivery.channel,
    recipientKind: delivery.recipientKind,
    triggerType: delivery.triggerType,
  };
  return outboxWrites([
    outcome === "delivered"
      ? lifecycleEvent("notificationDelivered", { ...common, deliveredAt: delivery.deliveredAt ?? undefined })
      : lifecycleEvent("notificationFailed", {
          ...common,
          failedAt: new Date().toISOString(),
          reason: delivery.lastError ?? "",
          attempts: delivery.attempts,
        }),
  ]);
}
