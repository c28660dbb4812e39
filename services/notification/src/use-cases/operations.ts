import { PlatformError, notFound } from "@lienthong/errors";
import { callerIds, isPlatformId, MALFORMED_TARGET } from "@lienthong/service-host";
import { put } from "@lienthong/storage";
import { operatorActsFor, unitsOf, type OperatorCaller } from "../auth/access";
import { events } from "@lienthong/contracts";
import {
  byPhone,
  byZns,
  contacts,
  deliveries,
  parkedEvents,
  webhookEndpointStates,
  type DeliveryRecord,
} from "../store/collections";
import { withStatus } from "./delivery-status";
import { healthyEndpoint, resumeWrites } from "./endpoint-health";
import { smsFallbackId } from "./phone-fallback";
import type { NotificationPorts } from "./ports";

const EMAIL: number = events.DeliveryChannel.DELIVERY_CHANNEL_EMAIL;

/** An endpoint id as endpointIdOf makes them: 16 hex digits. */
const ENDPOINT_ID = /^[0-9a-f]{16}$/;

/**
 * An operator sends one delivery again: a failed one (its retry horizon
 * passed, or the receiver refused it) or a delivered mail or webhook (the
 * receiver lost it). It becomes pending now, with a fresh retry horizon and
 * the same notification id. A webhook keeps its `webhook-id` (Standard
 * Webhooks receivers deduplicate on it); a mail gets a new Message-ID (most
 * mailboxes do not deduplicate, and one that does would drop the copy the
 * citizen asked for); an SMS or ZNS message gets a new provider request id,
 * which its gateway would otherwise drop as a duplicate. 409 for a delivery
 * still waiting to be sent or for its receipt, a delivered SMS or ZNS message,
 * and a failed ZNS message that may have reached the citizen (its outcome
 * unknown, or its SMS fallback sent). Another province's delivery is 404 like
 * an unknown one.
 */
export async function resendDelivery(ports: NotificationPorts, caller: OperatorCaller, notificationId: string) {
  const stored = isPlatformId(notificationId) ? await ports.store.get(deliveries, notificationId) : undefined;
  const contact = stored && (await ports.store.get(contacts, stored.data.dossierId))?.data;
  const allowed = contact !== undefined && operatorActsFor(ports, caller.official, unitsOf(contact));
  ports.audit({
    action: "resend_delivery",
    outcome: !stored || !contact ? "not_found" : allowed ? "allowed" : "denied",
    target: stored?.data.dossierId ?? (isPlatformId(notificationId) ? notificationId : MALFORMED_TARGET),
    ...callerIds(caller),
  });
  if (!stored || !allowed) throw notFound("delivery", isPlatformId(notificationId) ? notificationId : "(malformed id)");
  const { data, version } = stored;
  if (data.state === "pending" || data.state === "held" || data.state === "sent") {
    throw new PlatformError("FAILED_PRECONDITION", `delivery ${notificationId} is still waiting to be sent`, {
      reason: "DELIVERY_NOT_SETTLED",
      details: { state: data.state },
    });
  }
  // An SMS or ZNS message is resent under a new provider request id, which the gateway would send as a new message:
  // only after a failure, never to a citizen whose phone already got it. (A delivered mail or webhook may be sent
  // again: the citizen or the commune system asked for it.)
  if (byPhone(data.message) && data.state !== "failed") {
    throw new PlatformError("FAILED_PRECONDITION", `delivery ${notificationId} was delivered: it is not sent twice`, {
      reason: "DELIVERY_NOT_FAILED",
      details: { state: data.state },
    });
  }
  // A failed ZNS message may still have reached the citizen once (Zalo does not deduplicate), or once by its SMS
  // fallback: a resend would be the second or third copy.
  if (byZns(data.message)) await refuseZnsResend(ports, data);
  const now = ports.now();
  const resent: DeliveryRecord = withStatus(
    {
      ...data,
      // A mail gets a Message-ID of its own too: a receiver that saw the first may drop a second with the same one.
      ...((data.providerRequestId || data.channel === EMAIL) && {
        providerRequestId: nextRequestId(data.providerRequestId ?? data.notificationId),
      }),
      nextAttemptAt: now.toISOString(),
      firstAttemptAt: null,
      deliveredAt: null,
      lastError: null,
    },
    "created",
    now,
    { reason: "resent by an operator" },
  );
  await ports.commit([put(deliveries, data.notificationId, resent, version)]);
  return { notificationId: data.notificationId, dossierId: data.dossierId, state: resent.state };
}

/** 409 for a failed ZNS message that may have reached the citizen already, on Zalo or by its SMS fallback. */
async function refuseZnsResend(ports: NotificationPorts, data: DeliveryRecord): Promise<void> {
  if (data.outcomeUnknown)
    throw new PlatformError(
      "FAILED_PRECONDITION",
      `delivery ${data.notificationId} may have reached the citizen: its last call's outcome is unknown, and Zalo does not deduplicate`,
      { reason: "ZNS_OUTCOME_UNKNOWN", details: { state: data.state } },
    );
  const fallback = await ports.store.get(deliveries, smsFallbackId(data));
  if (fallback && fallback.data.state !== "failed")
    throw new PlatformError(
      "FAILED_PRECONDITION",
      `delivery ${data.notificationId} was replaced by an SMS, which was sent or is on its way: it is not sent twice`,
      { reason: "SMS_FALLBACK_SENT", details: { state: data.state, smsState: fallback.data.state } },
    );
}

/**
 * `<notification id>.<n+1>` after `<notification id>[.<n>]`: one fresh id per resend, within ZNS's 48 characters
 * (and a mail's Message-ID `<id>.<n>@lienthong`).
 */
function nextRequestId(requestId: string): string {
  const [notificationId, resends] = requestId.split(".");
  return `${notificationId}.${Number(resends ?? 0) + 1}`;
}

/** The webhook endpoints of the operator's province: ids, who sends there, health and what waits (never URLs or secrets). */
export async function listEndpoints(ports: NotificationPorts, caller: OperatorCaller) {
  ports.audit({
    action: "list_webhook_endpoints",
    outcome: "allowed",
    target: "webhook-endpoints",
    ...callerIds(caller),
  });
  const visible = ports.webhooks
    .all()
    .filter((endpoint) => operatorActsFor(ports, caller.official, endpoint.unitCodes));
  return Promise.all(
    visible.map(async ({ endpointId, clientIds }) => {
      const health = (await ports.store.get(webhookEndpointStates, endpointId))?.data ?? healthyEndpoint(endpointId);
      return {
        endpointId,
        clientIds,
        state: health.state,
        consecutiveFailures: health.consecutiveFailures,
        suspendedAt: health.suspendedAt,
        nextProbeAt: health.nextProbeAt,
        lastError: health.lastError ?? "",
        held: await ports.store.count(deliveries, { where: { endpointId, state: "held" } }),
        pending: await ports.store.count(deliveries, { where: { endpointId, state: "pending" } }),
      };
    }),
  );
}

/**
 * An operator redrives an endpoint: active again at once (an
 * `endpoint_resumed` event when it was suspended) and every held delivery due
 * now, in order. For an endpoint that recovered before its next probe.
 */
export async function redriveEndpoint(ports: NotificationPorts, caller: OperatorCaller, endpointId: string) {
  const registration = ENDPOINT_ID.test(endpointId)
    ? ports.webhooks.all().find((endpoint) => endpoint.endpointId === endpointId)
    : undefined;
  const allowed = registration !== undefined && operatorActsFor(ports, caller.official, registration.unitCodes);
  ports.audit({
    action: "redrive_webhook_endpoint",
    outcome: !registration ? "not_found" : allowed ? "allowed" : "denied",
    target: ENDPOINT_ID.test(endpointId) ? `webhook-endpoint:${endpointId}` : MALFORMED_TARGET,
    ...callerIds(caller),
  });
  if (!registration || !allowed)
    throw notFound("webhook endpoint", ENDPOINT_ID.test(endpointId) ? endpointId : "(malformed id)");
  const stored = await ports.store.get(webhookEndpointStates, endpointId);
  const { ops, released, wasSuspended } = await resumeWrites(ports, stored, endpointId, "operator");
  await ports.commit(ops);
  if (wasSuspended) ports.logger.info({ endpointId, released }, "webhook endpoint redriven by an operator: resumed");
  return { endpointId, state: "active" as const, released };
}

/**
 * Dossiers whose events wait for their submission: ids, event types and
 * since when (no payload: it may hold personal data). Their contact is not
 * known yet, so neither is their province: every operator sees them.
 */
export async function listParked(ports: NotificationPorts, caller: OperatorCaller) {
  ports.audit({ action: "list_parked_events", outcome: "allowed", target: "parked-events", ...callerIds(caller) });
  const waiting = await ports.store.find(parkedEvents, {
    where: { contactKnown: false },
    orderBy: { field: "parkedSince" },
  });
  return waiting.map(({ data }) => ({
    dossierId: data.dossierId,
    parkedSince: data.parkedSince,
    alerted: data.alertedAt !== null,
    events: data.events.map((event) => ({ eventId: event.id, type: event.type, parkedAt: event.parkedAt })),
  }));
}
