import * as path from "node:path";
import {
  type ServiceFactoryOptions,
  ServiceHost,
  collectionWritten,
  loadConfig,
  pollingTask,
} from "@lienthong/service-host";
import { notificationGrpc } from "./api/grpc";
import { notificationRoutes } from "./api/http";
import { NodemailerSender } from "./channels/mail";
import { HttpSmsGateway } from "./channels/sms";
import { ZaloZnsSender } from "./channels/zns";
import { SignedWebhookSender } from "./channels/webhook";
import { webhookEndpoints, type WebhookEndpoints } from "./channels/webhook-endpoints";
import { notificationEnv, type NotificationEnv } from "./config";
import { loadTemplates, type TemplateCatalog } from "./templates/catalog";
import { notificationEventHandler, notificationTopics } from "./events/consumers";
import { registerDeliveryMetrics } from "./metrics";
import { contacts, deliveries, notificationCollections, webhookEndpointStates } from "./store/collections";
import { DeliveryLanes } from "./use-cases/delivery-lanes";
import { dispatchRound, type DispatchPolicy, type RateObserver } from "./use-cases/dispatch-deliveries";
import { PROVIDERS, ProviderRates } from "./use-cases/provider-rates";
import type { NotificationPorts } from "./use-cases/ports";
import { parseQuietHours } from "./use-cases/quiet-hours";
import { alertLongParked, parkedSummary } from "./use-cases/watch-parked";

export type ServiceOptions = ServiceFactoryOptions;

/** Retries start at a second and are capped at five minutes, as are probes of a suspended endpoint (from 10 s). */
const BACKOFF = { initialBackoffMs: 1_000, maxBackoffMs: 5 * 60_000, probeInitialMs: 10_000 } as const;
const HOUR_MS = 3_600_000;
/**
 * Deliveries sent at once: enough that a few slow recipients leave room for
 * everyone else, few enough to stay within the mail pool (nodemailer queues
 * beyond its connections) and a commune system's patience.
 */
const DELIVERIES_IN_FLIGHT = 64;

/** The composition root of notification. */
export async function createNotificationService(options: ServiceOptions = {}): Promise<ServiceHost> {
  const source = options.env ?? process.env;
  const env = loadConfig(notificationEnv, source);
  const host = await ServiceHost.open({ service: "notification", env, collections: notificationCollections }, options);
  let webhooks: WebhookEndpoints;
  let templates: TemplateCatalog;
  try {
    webhooks = webhookEndpoints(host.identities.clients, env, host.logger);
    templates = loadTemplates({ overrideDir: env.NOTIFICATION_TEMPLATES_DIR });
  } catch (error) {
    // A refused configuration: close the store and bus just opened, and report the refusal.
    await host.stop().catch(() => undefined);
    throw error;
  }
  if (source.DELIVERY_MAX_ATTEMPTS !== undefined)
    host.logger.warn(
      { ignored: ["DELIVERY_MAX_ATTEMPTS"] },
      "DELIVERY_MAX_ATTEMPTS is no longer read: deliveries are retried for NOTIFICATION_RETRY_HORIZON_HOURS",
    );
  const mail = env.SMTP_URL
    ? NodemailerSender.smtp(env.SMTP_URL, env.MAIL_FROM)
    : NodemailerSender.capture(path.resolve(env.DATA_DIR, "notification", "mail"), env.MAIL_FROM);
  if (!env.SMTP_URL)
    host.logger.warn({ mail: "captured" }, "no SMTP_URL: mail to applicants is captured as .eml files, not sent");

  const phone = phoneChannels(env);
  host.logger.info(
    { sms: phone.channels.sms !== undefined, zns: phone.channels.zns !== undefined },
    phone.channels.sms || phone.channels.zns
      ? "applicants whose application carries a phone number are told by phone too"
      : "no SMS gateway or ZNS configured: applicants are told by mail only",
  );

  const { units } = host.reference;
  const ports: NotificationPorts = {
    store: host.store,
    commit: (ops) => host.commit(ops),
    webhooks,
    phone: phone.channels,
    templates,
    ...(env.NOTIFICATION_QUIET_HOURS && { quietHours: parseQuietHours(env.NOTIFICATION_QUIET_HOURS) }),
    provinceOf: (unit) => units.provinceOf(unit),
    // Ids only (DOMAIN.md §7), with the trace that tells which request it was.
    audit: (decision) => host.audit.append(decision),
    logger: host.logger,
    now: options.clock ?? (() => new Date()),
  };
  const metrics = endpointAndParkingMetrics(host, ports);
  registerDeliveryMetrics(host);
  const channels = { mail, webhook: new SignedWebhookSender(), ...phone.senders };
  const policy: DispatchPolicy = {
    ...BACKOFF,
    retryHorizonMs: env.NOTIFICATION_RETRY_HORIZON_HOURS * HOUR_MS,
    suspendAfterFailures: env.NOTIFICATION_ENDPOINT_SUSPEND_AFTER,
    gatewayTimeoutMs: env.NOTIFICATION_GATEWAY_TIMEOUT_MS,
    receiptHorizonMs: env.NOTIFICATION_RECEIPT_HORIZON_HOURS * HOUR_MS,
  };
  // A lane that ends wakes the dispatcher: one that committed nothing (its delivery written meanwhile) too.
  const lanes = new DeliveryLanes(DELIVERIES_IN_FLIGHT, host.logger, () => dispatcher.notify());
  const rates = new ProviderRates({
    smtp: env.NOTIFICATION_RATE_SMTP_PER_SECOND,
    sms: env.NOTIFICATION_RATE_SMS_PER_SECOND,
    zns: env.NOTIFICATION_RATE_ZNS_PER_SECOND,
    webhook: env.NOTIFICATION_RATE_WEBHOOK_PER_SECOND,
  });
  const rateObserver = providerRateMetrics(host);
  const dispatcher = pollingTask({
    name: "delivery-dispatcher",
    intervalMs: 500,
    lingerMs: env.WAKE_LINGER_MS,
    logger: host.logger,
    round: () =>
      dispatchRound({
        ports,
        lanes,
        channels,
        policy,
        logger: host.logger,
        observer: metrics.endpoints,
        rates,
        rateObserver,
      }),
  });
  host.runInBackground({
    name: dispatcher.name,
    start: () => dispatcher.start(),
    stop: async () => {
      await dispatcher.stop();
      await lanes.settled();
      mail.close();
    },
  });
  const parkingWatch = pollingTask({
    name: "parked-events watch",
    intervalMs: 1_000,
    logger: host.logger,
    round: async () =>
      (await alertLongParked(ports, env.NOTIFICATION_PARK_ALERT_AFTER_MS, (dossierId, events, parkedForMs) => {
        metrics.parkedAlerts.inc();
        // The dossier id only: the applicant is exactly what notification does not know yet.
        host.logger.warn(
          { dossierId, parkedEvents: events, parkedForMs, alertAfterMs: env.NOTIFICATION_PARK_ALERT_AFTER_MS },
          "events parked longer than NOTIFICATION_PARK_ALERT_AFTER_MS: the dossier's submission has not arrived; they keep waiting",
        );
      })) > 0,
  });
  host.runInBackground(parkingWatch);
  // `[current, previous?]`: during a rotation the gateway may sign with either. (A secret is refused at start without
  // its gateway's URL, so a receipt route is open only for a channel that is on.)
  const secrets = (current: string | undefined, previous: string | undefined) =>
    current === undefined ? undefined : [current, ...(previous === undefined ? [] : [previous])];
  notificationRoutes(host.http, ports, {
    sms: secrets(env.SMS_RECEIPT_SECRET, env.SMS_RECEIPT_PREVIOUS_SECRET),
    zns: secrets(env.ZNS_RECEIPT_SECRET, env.ZNS_RECEIPT_PREVIOUS_SECRET),
    mail: secrets(env.MAIL_DSN_SECRET, env.MAIL_DSN_PREVIOUS_SECRET),
  });
  host.serveGrpc(notificationGrpc(ports));
  host.dossierProvince(async (dossierId) => {
    const contact = await host.store.get(contacts, dossierId);
    return contact && ports.provinceOf(contact.data.receivingUnitCode);
  });
  host.consume(notificationTopics, notificationEventHandler(ports));
  host.afterCommit(collectionWritten(deliveries, () => dispatcher.notify()));
  host.afterCommit(collectionWritten(webhookEndpointStates, () => dispatcher.notify()));
  return host;
}

/**
 * The SMS gateway and ZNS, each when configured (off otherwise): what
 * planning knows of them, and their senders. Their tokens go to the senders
 * only; nothing logs them.
 */
function phoneChannels(env: NotificationEnv) {
  const timeoutMs = env.NOTIFICATION_GATEWAY_TIMEOUT_MS;
  const sms =
    env.SMS_GATEWAY_URL && env.SMS_GATEWAY_TOKEN && env.SMS_BRAND_NAME
      ? new HttpSmsGateway({
          url: env.SMS_GATEWAY_URL,
          token: env.SMS_GATEWAY_TOKEN,
          brandName: env.SMS_BRAND_NAME,
          timeoutMs,
          receipts: env.SMS_RECEIPT_SECRET !== undefined,
        })
      : undefined;
  const zns =
    env.ZNS_API_URL && env.ZNS_ACCESS_TOKEN
      ? new ZaloZnsSender({
          url: env.ZNS_API_URL,
          accessToken: env.ZNS_ACCESS_TOKEN,
          timeoutMs,
          receipts: env.ZNS_RECEIPT_SECRET !== undefined,
        })
      : undefined;
  return {
    channels: {
      ...(sms && { sms: { diacritics: env.SMS_DIACRITICS } }),
      ...(zns && { zns: { templates: env.ZNS_TEMPLATES } }),
    },
    senders: { ...(sms && { sms }), ...(zns && { zns }) },
  };
}

/**
 * What each provider's rate keeps waiting: a gauge of the due deliveries it
 * kept back in the last round, and a counter of every time one was (so a
 * rate that is too low shows as a steady climb). Labelled by provider only.
 */
function providerRateMetrics(host: ServiceHost): RateObserver {
  const waiting = host.metrics.gauge({
    name: "notification_rate_limited_deliveries",
    help: "Due deliveries waiting for their provider's rate (NOTIFICATION_RATE_*_PER_SECOND) in the dispatcher's last round",
    labelNames: ["provider"],
  });
  const deferrals = host.metrics.counter({
    name: "notification_rate_limit_deferrals_total",
    help: "Times a due delivery was kept waiting by its provider's rate",
    labelNames: ["provider"],
  });
  for (const provider of PROVIDERS) {
    waiting.labels(provider).set(0);
    deferrals.labels(provider).inc(0);
  }
  return {
    keptBack(counts) {
      for (const provider of PROVIDERS) {
        waiting.labels(provider).set(counts[provider]);
        if (counts[provider] > 0) deferrals.labels(provider).inc(counts[provider]);
      }
    },
  };
}

/** Metrics of parked events and webhook endpoints: counts and ages only, no label naming a dossier or a person. */
function endpointAndParkingMetrics(host: ServiceHost, ports: NotificationPorts) {
  host.metrics.gauge({
    name: "notification_parked_events",
    help: "Events waiting (parked) for their dossier's submission",
    async collect() {
      this.set((await parkedSummary(ports)).events);
    },
  });
  host.metrics.gauge({
    name: "notification_parked_oldest_age_seconds",
    help: "How long the oldest parked event has waited for its dossier's submission",
    async collect() {
      this.set((await parkedSummary(ports)).oldestAgeMs / 1000);
    },
  });
  const parkedAlerts = host.metrics.counter({
    name: "notification_parked_alerts_total",
    help: "Dossiers whose events waited longer than NOTIFICATION_PARK_ALERT_AFTER_MS for their submission",
  });
  host.metrics.gauge({
    name: "notification_webhook_endpoints_suspended",
    help: "Webhook endpoints suspended after failing repeatedly (their deliveries are held)",
    async collect() {
      this.set(await ports.store.count(webhookEndpointStates, { where: { state: "suspended" } }));
    },
  });
  const suspensions = host.metrics.counter({
    name: "notification_webhook_endpoint_suspensions_total",
    help: "Times a webhook endpoint was suspended",
  });
  const resumptions = host.metrics.counter({
    name: "notification_webhook_endpoint_resumptions_total",
    help: "Times a suspended webhook endpoint answered a probe and resumed",
  });
  return {
    parkedAlerts,
    endpoints: { suspended: () => suspensions.inc(), resumed: () => resumptions.inc() },
  };
}
