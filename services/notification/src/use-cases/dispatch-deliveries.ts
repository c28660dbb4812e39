import { lifecycleEvent } from "@lienthong/contracts";
import { loggableError } from "@lienthong/errors";
import { backoffDelay, extractTraceContext, outboxWrites, type Logger } from "@lienthong/messaging";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { ConflictError, put, type Versioned, type WriteOp } from "@lienthong/storage";
import { gatewayPhone } from "../channels/phone";
import { DeliveryError, type MailSender, type SmsSender, type WebhookSender, type ZnsSender } from "../channels/ports";
import {
  byPhone,
  byZns,
  contacts,
  deliveries,
  webhookEndpointStates,
  type DeliveryRecord,
  type EndpointRecord,
} from "../store/collections";
import type { DeliveryLanes } from "./delivery-lanes";
import { statusOf, withState, withStatus } from "./delivery-status";
import { healthyEndpoint, heldDeliveries, resumeWrites, suspendedEvent } from "./endpoint-health";
import { smsFallback } from "./phone-fallback";
import { quietUntil } from "./quiet-hours";
import { PROVIDERS, PROVIDER_OF_CHANNEL, type Provider, type ProviderRates } from "./provider-rates";
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
  /**
   * How long an SMS or ZNS call may take (NOTIFICATION_GATEWAY_TIMEOUT_MS): its
   * "sending" record is leased for this plus LEASE_MARGIN_MS, so no other
   * replica calls the provider while the call is in flight.
   */
  gatewayTimeoutMs: number;
  /** How long a message a provider took (state sent) waits for its receipt before it is a technical failure. */
  receiptHorizonMs: number;
}

/** Time for the dispatcher that made a call to record its outcome once the call ended (a busy store, a slow machine). */
const LEASE_MARGIN_MS = 30_000;

export interface DispatchChannels {
  mail: MailSender;
  webhook: WebhookSender;
  /** Absent unless configured. */
  sms?: SmsSender;
  zns?: ZnsSender;
}

/** Told when an endpoint is suspended or resumed (the service's metrics). */
export interface EndpointObserver {
  suspended(endpointId: string): void;
  resumed(endpointId: string): void;
}

/** Told, each round, how many due deliveries each provider's rate kept back (the service's metrics). */
export interface RateObserver {
  keptBack(waiting: Record<Provider, number>): void;
}

interface Dispatch {
  ports: NotificationPorts;
  lanes: DeliveryLanes;
  channels: DispatchChannels;
  policy: DispatchPolicy;
  logger: Logger;
  observer: EndpointObserver;
  rates: ProviderRates;
  rateObserver: RateObserver;
}

/**
 * One round of the dispatcher: probes suspended endpoints that are due,
 * settles messages whose receipt never came, then starts due deliveries.
 * True when more may be due.
 */
export async function dispatchRound(dispatch: Dispatch, batchSize = 50): Promise<boolean> {
  await probeSuspendedEndpoints(dispatch);
  const moreUnreceipted = await settleUnreceipted(dispatch, batchSize);
  return (await dispatchDueDeliveries(dispatch, batchSize)) || moreUnreceipted;
}

/**
 * A provider took these messages (state sent) but their receipt did not come
 * within the receipt horizon: each is a technical failure (a ZNS message falls
 * back to SMS), with its NotificationFailed event, so none waits for ever and
 * an operator may resend it. A receipt recorded meanwhile wins (versioned
 * write). True when a full page was settled.
 */
async function settleUnreceipted(dispatch: Dispatch, batchSize: number): Promise<boolean> {
  const { ports, policy, logger } = dispatch;
  const due = await ports.store.find(deliveries, {
    where: { state: "sent" },
    range: { field: "nextAttemptAt", lt: dueBy(ports.now()) },
    orderBy: { field: "nextAttemptAt" },
    limit: batchSize,
  });
  for (const { data, version } of due) {
    const now = ports.now();
    const reason = `no receipt within ${Math.round(policy.receiptHorizonMs / 3_600_000)} h`;
    const ended = withStatus({ ...data, lastError: reason }, "technical-failure", now, { reason });
    logFailure(logger, ended, reason, true, undefined);
    try {
      await ports.commit([
        putDelivery(ended, version),
        ...outcomeEvent(ended, "failed", now),
        ...smsFallback(ended, now),
      ]);
    } catch (error) {
      // The receipt (or another replica) came first.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  return due.length === batchSize;
}

/** A bound that includes records due exactly now. */
function dueBy(now: Date): string {
  return upTo(now.toISOString());
}

/** An exclusive bound that includes `instant` itself (ISO strings compare as text; "~" sorts after every digit). */
function upTo(instant: string): string {
  return `${instant}~`;
}

/**
 * Starts every due pending delivery whose lane is free (see laneOf and
 * DeliveryLanes), each after the earlier ones of its dossier to the same
 * recipient (so a retried one is never overtaken). Success and final failure
 * are stored with their NotificationDelivered / NotificationFailed event in
 * one commit; a temporary failure is rescheduled with capped backoff until the
 * retry horizon; a webhook to a suspended endpoint is held. True when more
 * may be due beyond this page; the deliveries themselves run on after it
 * returns, and each that ends wakes the dispatcher for what follows.
 */
async function dispatchDueDeliveries(dispatch: Dispatch, batchSize: number): Promise<boolean> {
  const { ports, lanes, rates } = dispatch;
  const keptBack = Object.fromEntries(PROVIDERS.map((provider) => [provider, 0])) as Record<Provider, number>;
  // Behind a backlog the lanes are full most rounds: the page would hold only deliveries that cannot start, read
  // again each round, so a dispatcher that fell behind would work harder per delivery (decision 69). Each lane
  // that ends wakes the next round (DeliveryLanes' onFree).
  if (lanes.room === 0) {
    dispatch.rateObserver.keptBack(keptBack);
    return false;
  }
  // Past those in flight, which are still pending until they end; the page's slack is for those whose lane is busy
  // (a dossier's next message to the same recipient), which may come before one that can start.
  const limit = batchSize + lanes.size;
  // With rates, a page per provider: deliveries one provider's rate keeps waiting never hide another provider's.
  // Without, one page of every channel, oldest first, is that already at a quarter of the reading (decision 61).
  const channelsByPage: (number | undefined)[] = rates.limited ? [...PROVIDER_OF_CHANNEL.keys()] : [undefined];
  const pages = await Promise.all(
    channelsByPage.map(async (channel) => ({
      due: await ports.store.find(deliveries, {
        where: channel === undefined ? { state: "pending" } : { state: "pending", channel },
        range: { field: "nextAttemptAt", lt: dueBy(ports.now()) },
        orderBy: { field: "nextAttemptAt" },
        limit,
      }),
      started: 0,
    })),
  );
  // The pages merged oldest first, before the lanes and the rates take their share: one provider's backlog never
  // takes the lanes ahead of another provider's older deliveries (a stable sort keeps each page's order on a tie).
  const merged = pages
    .flatMap((page) => page.due.map((stored) => ({ page, stored })))
    .sort((a, b) =>
      a.stored.data.nextAttemptAt < b.stored.data.nextAttemptAt
        ? -1
        : a.stored.data.nextAttemptAt > b.stored.data.nextAttemptAt
          ? 1
          : 0,
    );
  for (const { page, stored } of merged) {
    const { data, version } = stored;
    const lane = laneOf(data);
    if (!lanes.free(lane)) continue;
    // Over the provider's rate: it stays due, for a later round (never dropped).
    const provider = PROVIDER_OF_CHANNEL.get(data.channel);
    if (provider !== undefined && !rates.tryTake(provider)) {
      keptBack[provider] += 1;
      continue;
    }
    if (lanes.start(lane, () => dispatchOne(dispatch, data, version))) page.started += 1;
  }
  dispatch.rateObserver.keptBack(keptBack);
  // A full page that started something may hide more; otherwise the lanes' commits wake the dispatcher.
  return pages.some((page) => page.due.length === limit && page.started > 0);
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
        const ids = { notificationId: delivery.notificationId, dossierId: delivery.dossierId };
        // A lost race is normal: a receipt, an operator or another replica wrote the delivery first, and won.
        if (error instanceof ConflictError)
          dispatch.logger.debug(ids, "delivery written meanwhile: this attempt's record yields");
        else dispatch.logger.warn(ids, "delivery attempt could not be recorded");
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
    // Those planned later never come first; those planned at the same instant are sorted below.
    range: { field: "createdAt", lt: upTo(delivery.createdAt) },
    orderBy: { field: "createdAt" },
  });
  const now = ports.now().toISOString();
  for (const { data } of siblings) {
    if (data.notificationId === delivery.notificationId) return undefined;
    // Waiting for the end of quiet hours on purpose: an urgent message of the dossier overtakes it.
    if (data.quietUntil !== undefined && data.quietUntil > now) continue;
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
    putDelivery({ ...withState(delivery, "held"), endpointId }, version),
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
  if (byPhone(delivery.message)) {
    // A "sending" record found due: the call it announced never had its outcome recorded (killed, or its lease ran out).
    if (statusOf(delivery) === "sending") {
      const settled = outcomeNeverRecorded(dispatch, delivery, version);
      if (settled) return settled;
    }
    const quiet = quietEnd(ports, delivery);
    if (quiet) return [putDelivery({ ...delivery, nextAttemptAt: quiet, quietUntil: quiet }, version)];
  }
  // The provider's slot is reserved before the lease is committed: a process killed while it waits leaves a
  // message never called, not one "sending" whose outcome would be unknown (a ZNS message then falls back to SMS).
  const provider = PROVIDER_OF_CHANNEL.get(delivery.channel);
  if (provider) await dispatch.rates.pace(provider);
  const now = ports.now();
  let counted: DeliveryRecord = {
    ...delivery,
    attempts: delivery.attempts + 1,
    firstAttemptAt: delivery.firstAttemptAt ?? now.toISOString(),
  };
  if (byPhone(delivery.message)) {
    // Recorded before the provider is called, with the request id and the attempt: a crash before the outcome is
    // recorded leaves it "sending", leased (due again only after the call's timeout), so no other replica calls
    // the provider meanwhile, and a process that keeps dying on it still reaches the retry horizon.
    const leaseEnds = new Date(now.getTime() + policy.gatewayTimeoutMs + LEASE_MARGIN_MS).toISOString();
    const sending = withStatus({ ...counted, nextAttemptAt: leaseEnds }, "sending", now);
    await ports.commit([putDelivery(sending, version)]);
    counted = sending;
    version += 1;
  }
  try {
    if (provider) await dispatch.rates.call(provider);
    const awaitsReceipt = await send(ports, dispatch.channels, counted);
    const accepted = { ...counted, lastError: null };
    // A 2xx from a commune system is its delivery; an SMTP server or a gateway without receipts tells no more.
    const status = awaitsReceipt ? "pending" : isWebhook(delivery) ? "delivered" : "sent";
    const recorded = withStatus(
      status === "pending"
        ? { ...accepted, nextAttemptAt: new Date(now.getTime() + policy.receiptHorizonMs).toISOString() }
        : { ...accepted, deliveredAt: now.toISOString() },
      status,
      now,
    );
    // A success ends a run of failures, in a commit of its own: the delivery was sent, and a replica or an
    // operator writing the endpoint meanwhile must not make its record fail (it would be sent again).
    if (endpointId && endpoint && endpoint.data.consecutiveFailures > 0)
      effects.push(() => void endFailureRun(dispatch, endpointId, endpoint));
    return [
      putDelivery(recorded, version),
      ...(recorded.state === "delivered" ? outcomeEvent(recorded, "delivered", now) : []),
    ];
  } catch (error) {
    const reason = error instanceof DeliveryError ? error.message : "unexpected delivery error";
    const retriable = !(error instanceof DeliveryError) || error.retriable;
    const failed: DeliveryRecord = { ...counted, lastError: reason };
    if (error instanceof DeliveryError && error.outcomeUnknown && byZns(delivery.message)) {
      logFailure(logger, failed, reason, true, error);
      return znsOutcomeUnknown(failed, version, reason, now);
    }
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
      const failureCounted = put(
        webhookEndpointStates,
        endpointId,
        { ...record, consecutiveFailures: failures, lastError: reason },
        endpoint?.version ?? 0,
      );
      return [failureCounted, ...retryOrFail(dispatch, failed, version, reason, error)];
    }
    if (retriable) return retryOrFail(dispatch, failed, version, reason, error);
    logFailure(logger, failed, reason, true, error);
    const ended = withStatus(failed, "permanent-failure", now, { reason });
    return [putDelivery(ended, version), ...outcomeEvent(ended, "failed", now), ...smsFallback(ended, now)];
  }
}

/**
 * The end of the quiet hours `now` falls in, for a phone message that can
 * wait: checked right before each call, whatever made the message due then
 * (planned, a retry, a lease that ran out, a ZNS failure's SMS fallback).
 * Undefined when it may go now: urgent, outside the window, no quiet hours,
 * or planned before urgency was recorded.
 */
function quietEnd(ports: NotificationPorts, delivery: DeliveryRecord): string | undefined {
  if (!ports.quietHours || delivery.urgent !== false) return undefined;
  return quietUntil(ports.now(), ports.quietHours)?.toISOString();
}

/**
 * A phone message found "sending": its last call's outcome was never
 * recorded. A ZNS message is settled without calling Zalo again (see
 * znsOutcomeUnknown); an SMS is sent again with the same request id (the
 * gateway contract deduplicates on it), unless its retry horizon has passed.
 * Undefined when the message is to be sent again.
 */
function outcomeNeverRecorded(dispatch: Dispatch, delivery: DeliveryRecord, version: number): WriteOp[] | undefined {
  const { ports, policy, logger } = dispatch;
  const now = ports.now();
  const reason = "the outcome of the last call was not recorded (the process stopped, or the call outlived its lease)";
  const failed = { ...delivery, lastError: reason };
  if (byZns(delivery.message)) {
    logFailure(logger, failed, reason, true, undefined);
    return znsOutcomeUnknown(failed, version, reason, now);
  }
  const since = new Date(delivery.firstAttemptAt ?? now.toISOString()).getTime();
  if (now.getTime() - since < policy.retryHorizonMs) return undefined;
  logFailure(logger, failed, reason, true, undefined);
  const ended = withStatus(failed, "technical-failure", now, { reason: `${reason}; retry horizon passed` });
  return [putDelivery(ended, version), ...outcomeEvent(ended, "failed", now)];
}

/**
 * A ZNS call whose outcome is unknown (no answer in time, the connection lost,
 * Zalo's "unknown error", the process killed during the call) is not
 * repeated: Zalo documents tracking_id for reconciliation, not as a key it
 * deduplicates on, so a second call could reach the citizen twice. The message
 * is a technical failure and falls back to SMS, whose gateway contract does
 * deduplicate: at worst the citizen reads it once on Zalo and once by SMS,
 * never twice on one channel (docs/decisions.md §53).
 */
function znsOutcomeUnknown(failed: DeliveryRecord, version: number, reason: string, now: Date): WriteOp[] {
  const ended = withStatus({ ...failed, outcomeUnknown: true }, "technical-failure", now, {
    reason: `${reason}; outcome unknown, not repeated (Zalo does not deduplicate)`,
  });
  return [putDelivery(ended, version), ...outcomeEvent(ended, "failed", now), ...smsFallback(ended, now)];
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
    const ended = withStatus(failed, "technical-failure", now, { reason: `${reason}; retry horizon passed` });
    return [putDelivery(ended, version), ...outcomeEvent(ended, "failed", now), ...smsFallback(ended, now)];
  }
  const delay = backoffDelay({ initialMs: policy.initialBackoffMs, maxMs: policy.maxBackoffMs }, failed.attempts);
  const nextAttemptAt = new Date(now.getTime() + delay).toISOString();
  const retried = withStatus({ ...failed, nextAttemptAt }, "temporary-failure", now, {
    reason: `${reason}; retry at ${nextAttemptAt}`,
  });
  return [putDelivery(retried, version)];
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
    putDelivery(
      {
        ...withStatus(failed, "temporary-failure", now, { reason: record.lastError ?? "", state: "held" }),
        endpointId: record.endpointId,
      },
      version,
    ),
    ...pending
      .filter(({ data }) => data.notificationId !== failed.notificationId)
      .map(({ data, version: v }) => putDelivery(withState(data, "held"), v)),
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
      const delivered = withStatus(
        {
          ...probe,
          attempts,
          firstAttemptAt: probe.firstAttemptAt ?? now.toISOString(),
          deliveredAt: now.toISOString(),
          lastError: null,
        },
        "delivered",
        now,
      );
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

/** Hands a delivery to its channel; true when the provider took it and will send a receipt. */
async function send(ports: NotificationPorts, channels: DispatchChannels, delivery: DeliveryRecord): Promise<boolean> {
  const contact = (await ports.store.get(contacts, delivery.dossierId))?.data;
  if (!contact) throw new DeliveryError("contact of the dossier is missing", false);
  const { message } = delivery;
  if ("webhookBody" in message) {
    const endpoint = ports.webhooks.of(contact.clientId);
    if (!endpoint) throw new DeliveryError("the commune system has no webhook endpoint any more", false);
    await channels.webhook.send({ endpoint, id: delivery.notificationId, body: message.webhookBody });
    return false;
  }
  if ("subject" in message) {
    await channels.mail.send({
      to: contact.email,
      subject: message.subject,
      text: message.text,
      ...(message.html !== undefined && { html: message.html }),
      // The same on a retry after a crash; an operator's resend has a Message-ID of its own (see resendDelivery).
      messageId: delivery.providerRequestId ?? delivery.notificationId,
    });
    return false;
  }
  const phone = gatewayPhone(contact.phone);
  if (!phone) throw new DeliveryError("the applicant's phone number is not a Vietnamese mobile number", false);
  const requestId = delivery.providerRequestId ?? delivery.notificationId;
  if ("smsText" in message) {
    if (!channels.sms) throw new DeliveryError("no SMS gateway is configured", false);
    await channels.sms.send({ phone, text: message.smsText, unicode: message.encoding === "UCS-2", requestId });
    return channels.sms.receipts;
  }
  if (!channels.zns) throw new DeliveryError("no ZNS is configured", false);
  await channels.zns.send({ phone, templateId: message.znsTemplateId, data: message.znsData, trackingId: requestId });
  return channels.zns.receipts;
}

function putDelivery(record: DeliveryRecord, version: number): WriteOp {
  return put(deliveries, record.notificationId, record, version);
}

export function outcomeEvent(delivery: DeliveryRecord, outcome: "delivered" | "failed", at: Date): WriteOp[] {
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
