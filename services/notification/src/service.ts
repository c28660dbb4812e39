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
import { SignedWebhookSender } from "./channels/webhook";
import { webhookEndpoints, type WebhookEndpoints } from "./channels/webhook-endpoints";
import { notificationEnv } from "./config";
import { notificationEventHandler, notificationTopics } from "./events/consumers";
import { deliveries, notificationCollections } from "./store/collections";
import { dispatchDueDeliveries } from "./use-cases/dispatch-deliveries";
import type { NotificationPorts } from "./use-cases/ports";

export type ServiceOptions = ServiceFactoryOptions;

/** The composition root of notification. */
export async function createNotificationService(options: ServiceOptions = {}): Promise<ServiceHost> {
  const env = loadConfig(notificationEnv, options.env ?? process.env);
  const host = await ServiceHost.open({ service: "notification", env, collections: notificationCollections }, options);
  let webhookEndpointOf: WebhookEndpoints;
  try {
    webhookEndpointOf = webhookEndpoints(host.identities.clients, env, host.logger);
  } catch (error) {
    // A refused configuration: close the store and bus just opened, and report the refusal.
    await host.stop().catch(() => undefined);
    throw error;
  }
  const mail = env.SMTP_URL
    ? NodemailerSender.smtp(env.SMTP_URL, env.MAIL_FROM)
    : NodemailerSender.capture(path.resolve(env.DATA_DIR, "notification", "mail"), env.MAIL_FROM);
  if (!env.SMTP_URL)
    host.logger.warn({ mail: "captured" }, "no SMTP_URL: mail to applicants is captured as .eml files, not sent");

  const ports: NotificationPorts = {
    store: host.store,
    commit: (ops) => host.commit(ops),
    webhookEndpointOf,
    // Ids only (DOMAIN.md §7), with the trace that tells which request it was.
    audit: (decision) => host.audit.append(decision),
    now: options.clock ?? (() => new Date()),
  };
  const channels = { mail, webhook: new SignedWebhookSender() };
  const policy = { maxAttempts: env.DELIVERY_MAX_ATTEMPTS, initialBackoffMs: 1_000, maxBackoffMs: 5 * 60_000 };
  const dispatcher = pollingTask({
    name: "delivery-dispatcher",
    intervalMs: 500,
    logger: host.logger,
    round: async () => (await dispatchDueDeliveries(ports, channels, policy, host.logger)) > 0,
  });
  host.runInBackground({
    name: dispatcher.name,
    start: () => dispatcher.start(),
    stop: async () => {
      await dispatcher.stop();
      mail.close();
    },
  });
  notificationRoutes(host.http, ports);
  host.serveGrpc(notificationGrpc(ports));
  host.consume(notificationTopics, notificationEventHandler(ports));
  host.afterCommit(collectionWritten(deliveries, () => dispatcher.notify()));
  return host;
}
