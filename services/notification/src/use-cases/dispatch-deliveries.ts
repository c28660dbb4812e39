import { lifecycleEvent } from "@lienthong/contracts";
import { loggableError } from "@lienthong/errors";
import { backoffDelay, extractTraceContext, outboxWrites, type Logger } from "@lienthong/messaging";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { ConflictError, put, type Versioned, type WriteOp } from "@lienthong/storage";
import { DeliveryError, type MailSender, type WebhookSender } from "../channels/ports";
import {
  contacts,
  deliveries,
  webhookEndpointStates,
  type DeliveryRecord,
  type EndpointRecord,
} from "../store/collections";
import type { DeliveryLanes } from "./delivery-lanes";
import { healthyEndpoint, heldDeliveries, resumeWrites, suspendedEvent } from "./endpoint-health";
import type { NotificationPorts } from "./ports";

const tracer = trace.getTracer("notification");

export interface DispatchPolicy {
  /** How long a temporarily failing delivery is retried, from its first attempt (held deliveries excepted). */
  retryHorizonMs: number;
  initialBackoffMs: number;
  /** The cap of both backoffs: retries of one delivery, probes of a suspended endpoint. */
  maxBackoffMs: number;
  /** Consecutive temporary failures of an endpoint that suspend it. */
  suspendAfterFailures: number;
  /** The first probe of a suspended endpoint comes this long after the suspension, then doubles to maxBackoffMs. */
  probeInitialMs: number;
}

export interface DispatchChannels {
  mail: MailSender;
  webhook: WebhookSender;
}

/** Told when an endpoint is suspended or resumed (the service's metrics). */
export interface EndpointObserver {
  suspended(endpointId: string): void;
  resumed(endpointId: string): void;
}

interface Dispatch {
  ports: NotificationPorts;
  lanes: DeliveryLanes;
  channels: DispatchChannels;
  policy: DispatchPolicy;
  logger: Logger;
  observer: EndpointObserver;
}

/** One round of the dispatcher: probes suspended endpoints that are due, then starts due deliveries. True when more may be due. */
export async function dispatchRound(dispatch: Dispatch, batchSize = 50): Promise<boolean> {
  await probeSuspendedEndpoints(dispatch);
  return dispatchDueDeliveries(dispatch, batchSize);
}

/** A bound that includes records due exactly now (ISO strings compare as text; "~" sorts after every digit). */
function dueBy(now: Date): string {
  return now.toISOString() + "~";
}

/**
 * Starts every due pending delivery whose lane is free (see laneOf and
 * DeliveryLanes), each after the earlier ones of its dossier to the same
 * recipient (so a retried one is never overtaken). Success and final failure
 * are stored with their NotificationDelivered / NotificationFailed event in
 * one commit; a temporary failure is rescheduled with capped backoff until the
 * retry horizon; a webhook to a suspended endpoint is held. True when more
 * may be due beyond this page; the deliveries themselves run on after it
 * returns, and their commits wake the dispatcher for what follows.
 */
async function dispatchDueDeliveries(dispatch: Dispatch, batchSize: number): Promise<boolean> {
  const { ports, lanes } = dispatch;
  // Past those in flight, which are still pending until they end.
  const limit = batchSize + lanes.size;
  const due = await ports.store.find(deliveries, {
    where: { state: "pending" },
    range: { field: "nextAttemptAt", lt: dueBy(ports.now()) },
    orderBy: { field: "nextAttemptAt" },
    limit,
  });
  let started = 0;
  for (const { data, version } of due) {
    if (lanes.start(laneOf(data), () => dispatchOne(dispatch, data, version))) started += 1;
  }
  // A full page that started something may hide more; otherwise the lanes' commits wake the dispatcher.
  return due.length === limit && started > 0;
}

/**
 * One lane per dossier and recipient: what one recipient hears of one dossier
 * comes in the order it happened, and nothing else waits on it — a slow
 * commune system delays neither the citizens' mail nor another system's
 * webhooks, and across dossiers a recipient's deliveries go at once
 * (docs/decisions.md §34).
 */
function laneOf(delivery: DeliveryRecord): string {
  return `${delivery.dossierId} ${delivery.channel} ${delivery.recipientKind}`;
}

async function dispatchOne(dispatch: Dispatch, delivery: DeliveryRecord, version: number): Promise<void> {
  // Re-read: a delivery dispatched meanwhile may have held or postponed this one.
  const current = await dispatch.ports.store.get(deliveries, delivery.notificationId);
  if (current?.version !== version) return;
  try {
    await traced(dispatch, delivery, (effects) => next(dispatch, delivery, version, effects));
  } catch (error) {
    // Another replica or an operator wrote the delivery or its endpoint meanwhile: this one is due again next
    // round, the rest of the batch goes on.
    if (!(error instanceof ConflictError)) throw error;
  }
}

/** What a step does once its writes are committed (count a suspension: not before, as a lost race re-runs it). */
type Effects = (() => void)[];

/** Runs one step for a delivery in its trigger's trace, commits what it decided, then runs its effects. */
async function traced(
  dispatch: Dispatch,
  delivery: DeliveryRecord,
  step: (effects: Effects) => Promise<WriteOp[]>,
): Promise<void> {
  const effects: Effects = [];
  await tracer.startActiveSpan(
    "notification.deliver",
    {
      attributes: {
        "lienthong.dossier_id": delivery.dossierId,
        "lienthong.notification_id": delivery.notificationId,
        "lienthong.channel": delivery.channel,
      },
    },
    extractTraceContext({ traceparent: delivery.traceparent }),
    async (span) => {
      try {
        await dispatch.ports.commit(await step(effects));
        span.end();
        for (const effect of effects) effect();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        dispatch.logger.warn(
          { notificationId: delivery.notificationId, dossierId: delivery.dossierId },
          "delivery attempt could not be recorded",
        );
        throw error;
      }
    },
  );
}

async function next(
  dispatch: Dispatch,
  delivery: DeliveryRecord,
  version: number,
  effects: Effects,
): Promise<WriteOp[]> {
  const { ports, policy } = dispatch;
  const now = ports.now();
  const endpointId = isWebhook(delivery) ? await endpointIdFor(ports, delivery) : undefined;
  const endpoint = endpointId ? await ports.store.get(webhookEndpointStates, endpointId) : undefined;
  if (endpointId && endpoint?.data.state === "suspended") return hold(delivery, version, endpointId, endpoint);

  const earlier = await earlierUnsent(ports, delivery);
  if (earlier) {
    // After it: the same instant sorts in insertion order, and the earlier one was planned first.
    const after =
      earlier.state === "pending"
        ? earlier.nextAttemptAt
        : new Date(now.getTime() + policy.initialBackoffMs).toISOString();
    return [
      putDelivery({ ...delivery, nextAttemptAt: after > now.toISOString() ? after : now.toISOString() }, version),
    ];
  }
  return attempt(dispatch, delivery, version, endpointId, endpoint, effects);
}

function isWebhook(delivery: DeliveryRecord): boolean {
  return "webhookBody" in delivery.message;
}

/** The endpoint a webhook goes to: as planned, or (planned before endpoints had ids) its client's. */
async function endpointIdFor(ports: NotificationPorts, delivery: DeliveryRecord): Promise<string | undefined> {
  if (delivery.endpointId) return delivery.endpointId;
  const contact = (await ports.store.get(contacts, delivery.dossierId))?.data;
  return contact && ports.webhooks.of(contact.clientId)?.id;
}

/** The oldest delivery of the same dossier to the same recipient that was planned before this one and is not sent yet. */
async function earlierUnsent(ports: NotificationPorts, delivery: DeliveryRecord): Promise<DeliveryRecord | undefined> {
  const siblings = await ports.store.find(deliveries, {
    where: { dossierId: delivery.dossierId },
    orderBy: { field: "createdAt" },
  });
  for (const { data } of siblings) {
    if (data.notificationId === delivery.notificationId) return undefined;
    const sameRecipient = data.channel === delivery.channel && data.recipientKind === delivery.recipientKind;
    if (sameRecipient && (data.state === "pending" || data.state === "held")) return data;
  }
  return undefined;
}

/** Holds a delivery for its suspended endpoint; the endpoint's version guards against a resume in between. */
function hold(
  delivery: DeliveryRecord,
  version: number,
  endpointId: string,
  endpoint: Versioned<EndpointRecord>,
): WriteOp[] {
  return [
    putDelivery({ ...delivery, state: "held", endpointId }, version),
    put(webhookEndpointStates, endpointId, endpoint.data, endpoint.version),
  ];
}

/** Resets the endpoint's count of failures; a concurrent write wins (a later success resets it again). */
async function endFailureRun(
  dispatch: Dispatch,
  endpointId: string,
  endpoint: Versioned<EndpointRecord>,
): Promise<void> {
  try {
    await dispatch.ports.commit([
      put(webhookEndpointStates, endpointId, { ...endpoint.data, consecutiveFailures: 0 }, endpoint.version),
    ]);
  } catch (error) {
    if (!(error instanceof ConflictError))
      dispatch.logger.warn({ endpointId, err: loggableError(error) }, "could not reset an endpoint's failures");
  }
}

async function attempt(
  dispatch: Dispatch,
  delivery: DeliveryRecord,
  version: number,
  endpointId: string | undefined,
  endpoint: Versioned<EndpointRecord> | undefined,
  effects: Effects,
): Promise<WriteOp[]> {
  const { ports, policy, logger } = dispatch;
  const attempts = delivery.attempts + 1;
  const now = ports.now();
  const firstAttemptAt = delivery.firstAttemptAt ?? now.toISOString();
  try {
    await send(ports, dispatch.channels, delivery);
    const delivered: DeliveryRecord = {
      ...delivery,
      state: "delivered",
      attempts,
      firstAttemptAt,
      deliveredAt: now.toISOString(),
      lastError: null,
    };
    // A success ends a run of failures, in a commit of its own: the delivery was sent, and a replica or an
    // operator writing the endpoint meanwhile must not make its record fail (it would be sent again).
    if (endpointId && endpoint && endpoint.data.consecutiveFailures > 0)
      effects.push(() => void endFailureRun(dispatch, endpointId, endpoint));
    return [putDelivery(delivered, version), ...outcomeEvent(delivered, "delivered", now)];
  } catch (error) {
    const reason = error instanceof DeliveryError ? error.message : "unexpected delivery error";
    const retriable = !(error instanceof DeliveryError) || error.retriable;
    const failed: DeliveryRecord = { ...delivery, attempts, firstAttemptAt, lastError: reason };
    if (retriable && endpointId) {
      const record = endpoint?.data ?? healthyEndpoint(endpointId);
      const failures = record.consecutiveFailures + 1;
      if (failures >= policy.suspendAfterFailures)
        return suspend(
          dispatch,
          { ...record, consecutiveFailures: failures, lastError: reason },
          endpoint,
          failed,
          version,
          effects,
        );
      const counted = put(
        webhookEndpointStates,
        endpointId,
        { ...record, consecutiveFailures: failures, lastError: reason },
        endpoint?.version ?? 0,
      );
      return [counted, ...retryOrFail(dispatch, failed, version, reason, error)];
    }
    if (retriable) return retryOrFail(dispatch, failed, version, reason, error);
    logFailure(logger, failed, reason, true, error);
    return [
      putDelivery({ ...failed, state: "failed" }, version),
      ...outcomeEvent({ ...failed, state: "failed" }, "failed", now),
    ];
  }
}

/** A temporary failure: retried with capped backoff until the horizon has passed since the first attempt, then failed. */
function retryOrFail(
  dispatch: Dispatch,
  failed: DeliveryRecord,
  version: number,
  reason: string,
  error: unknown,
): WriteOp[] {
  const { ports, policy, logger } = dispatch;
  const now = ports.now();
  const since = new Date(failed.firstAttemptAt ?? now.toISOString()).getTime();
  const final = now.getTime() - since >= policy.retryHorizonMs;
  logFailure(logger, failed, reason, final, error);
  if (final) {
    const ended: DeliveryRecord = { ...failed, state: "failed" };
    return [putDelivery(ended, version), ...outcomeEvent(ended, "failed", now)];
  }
  const delay = backoffDelay({ initialMs: policy.initialBackoffMs, maxMs: policy.maxBackoffMs }, failed.attempts);
  return [putDelivery({ ...failed, nextAttemptAt: new Date(now.getTime() + delay).toISOString() }, version)];
}

/**
 * The endpoint failed once too often: suspended (with its event), this
 * delivery and every pending one of the endpoint held, in one commit; the
 * first probe follows after `probeInitialMs`.
 */
async function suspend(
  dispatch: Dispatch,
  record: EndpointRecord,
  stored: Versioned<EndpointRecord> | undefined,
  failed: DeliveryRecord,
  version: number,
  effects: Effects,
): Promise<WriteOp[]> {
  const { ports, policy, logger } = dispatch;
  const now = ports.now();
  const suspended: EndpointRecord = {
    ...record,
    state: "suspended",
    suspendedAt: now.toISOString(),
    probes: 0,
    nextProbeAt: new Date(now.getTime() + policy.probeInitialMs).toISOString(),
  };
  const pending = await ports.store.find(deliveries, {
    where: { endpointId: record.endpointId, state: "pending" },
    orderBy: { field: "createdAt" },
  });
  const ops: WriteOp[] = [
    put(webhookEndpointStates, record.endpointId, suspended, stored?.version ?? 0),
    ...suspendedEvent(ports, suspended),
    putDelivery({ ...failed, state: "held", endpointId: record.endpointId }, version),
    ...pending
      .filter(({ data }) => data.notificationId !== failed.notificationId)
      .map(({ data, version: v }) => putDelivery({ ...data, state: "held" }, v)),
  ];
  effects.push(() => {
    logger.warn(
      {
        endpointId: record.endpointId,
        consecutiveFailures: record.consecutiveFailures,
        reason: record.lastError,
        held: pending.length + 1,
      },
      "webhook endpoint suspended: its deliveries are held and one of them probes it on a backoff",
    );
    dispatch.observer.suspended(record.endpointId);
  });
  return ops;
}

/**
 * Probes each suspended endpoint that is due with its oldest held delivery:
 * on success the endpoint resumes and every held delivery is released in
 * order; on failure the next probe waits longer (capped). A probe's failure
 * never fails the delivery: held deliveries wait for the endpoint however long.
 */
async function probeSuspendedEndpoints(dispatch: Dispatch): Promise<void> {
  const { ports, policy, logger } = dispatch;
  const due = await ports.store.find(webhookEndpointStates, {
    where: { state: "suspended" },
    range: { field: "nextProbeAt", lt: dueBy(ports.now()) },
    orderBy: { field: "nextProbeAt" },
  });
  for (const endpoint of due) {
    const { endpointId } = endpoint.data;
    const now = ports.now();
    const probes = endpoint.data.probes + 1;
    const later = (lastError: string | null): WriteOp =>
      put(
        webhookEndpointStates,
        endpointId,
        {
          ...endpoint.data,
          probes,
          lastError,
          nextProbeAt: new Date(
            now.getTime() + backoffDelay({ initialMs: policy.probeInitialMs, maxMs: policy.maxBackoffMs }, probes),
          ).toISOString(),
        },
        endpoint.version,
      );
    const [oldest] = await heldDeliveries(ports, endpointId, 1);
    if (!oldest) {
      await ports.commit([later(endpoint.data.lastError)]);
      continue;
    }
    const probe = oldest.data;
    await traced(dispatch, probe, async (effects) => {
      const attempts = probe.attempts + 1;
      try {
        await send(ports, dispatch.channels, probe);
      } catch (error) {
        const reason = error instanceof DeliveryError ? error.message : "unexpected delivery error";
        logger.warn(
          { endpointId, notificationId: probe.notificationId, dossierId: probe.dossierId, probe: probes, reason },
          "suspended webhook endpoint still failing; probing again later",
        );
        return [putDelivery({ ...probe, attempts, lastError: reason }, oldest.version), later(reason)];
      }
      const delivered: DeliveryRecord = {
        ...probe,
        state: "delivered",
        attempts,
        firstAttemptAt: probe.firstAttemptAt ?? now.toISOString(),
        deliveredAt: now.toISOString(),
        lastError: null,
      };
      const resumed = await resumeWrites(ports, endpoint, endpointId, "probe", probe.notificationId);
      effects.push(() => {
        logger.info(
          { endpointId, released: resumed.released },
          "webhook endpoint answered a probe: resumed, held deliveries released in order",
        );
        dispatch.observer.resumed(endpointId);
      });
      return [putDelivery(delivered, oldest.version), ...outcomeEvent(delivered, "delivered", now), ...resumed.ops];
    });
  }
}

function logFailure(logger: Logger, delivery: DeliveryRecord, reason: string, final: boolean, error: unknown): void {
  // Ids and our own reason only: never the address, the webhook URL or a foreign error's message.
  logger.warn(
    {
      notificationId: delivery.notificationId,
      dossierId: delivery.dossierId,
      channel: delivery.channel,
      attempt: delivery.attempts,
      reason,
      final,
      ...(!(error instanceof DeliveryError) && { err: loggableError(error) }),
    },
    final ? "delivery failed" : "delivery attempt failed, will retry",
  );
}

async function send(ports: NotificationPorts, channels: DispatchChannels, delivery: DeliveryRecord): Promise<void> {
  const contact = (await ports.store.get(contacts, delivery.dossierId))?.data;
  if (!contact) throw new DeliveryError("contact of the dossier is missing", false);
  if ("webhookBody" in delivery.message) {
    const endpoint = ports.webhooks.of(contact.clientId);
    if (!endpoint) throw new DeliveryError("the commune system has no webhook endpoint any more", false);
    await channels.webhook.send({ endpoint, id: delivery.notificationId, body: delivery.message.webhookBody });
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

function outcomeEvent(delivery: DeliveryRecord, outcome: "delivered" | "failed", at: Date): WriteOp[] {
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
          failedAt: at.toISOString(),
          reason: delivery.lastError ?? "",
          attempts: delivery.attempts,
        }),
  ]);
}
