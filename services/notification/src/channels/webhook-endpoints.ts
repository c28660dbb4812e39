import {
  ConfigError,
  productionRulesApply,
  type ConfigIssue,
  type Logger,
  type ServiceHost,
} from "@lienthong/service-host";
import { DEVELOPMENT_WEBHOOK_SECRET, webhookSecretRefusal, type NotificationEnv } from "../config";
import type { WebhookEndpoint } from "./ports";

/** The registered clients as the service host loaded them (CLIENTS_FILE / CLIENTS, or the development clients). */
export type ClientDirectory = Pick<ServiceHost["identities"]["clients"], "development" | "all" | "client">;

/** Where a commune system (by client id) receives its webhooks and the secrets they are signed with, if anywhere. */
export type WebhookEndpoints = (clientId: string) => WebhookEndpoint | undefined;

type EndpointEnv = Pick<
  NotificationEnv,
  "NODE_ENV" | "ALLOW_EMBEDDED_IN_PRODUCTION" | "CLIENTS_FILE" | "WEBHOOK_DEFAULT_URL" | "WEBHOOK_SIGNING_SECRET"
>;

/**
 * Each registered commune system's own webhook: its URL and its secrets
 * (`[current, previous?]`: every one signs while a rotation is under way).
 * The development clients (no CLIENTS_FILE: embedded mode, tests) share
 * WEBHOOK_DEFAULT_URL and the development secret. Production refuses a
 * registered secret that is public or short, naming the variable the clients
 * came from (never the secret).
 */
export function webhookEndpoints(clients: ClientDirectory, env: EndpointEnv, logger: Logger): WebhookEndpoints {
  if (clients.development) {
    const url = env.WEBHOOK_DEFAULT_URL;
    if (!url) {
      logger.info({}, "no WEBHOOK_DEFAULT_URL: the development clients receive no webhooks");
      return () => undefined;
    }
    const endpoint: WebhookEndpoint = { url, secrets: [env.WEBHOOK_SIGNING_SECRET ?? DEVELOPMENT_WEBHOOK_SECRET] };
    return () => endpoint;
  }

  if (productionRulesApply(env)) refusePublicSecrets(clients, env.CLIENTS_FILE ? "CLIENTS_FILE" : "CLIENTS");
  const ignored = (["WEBHOOK_DEFAULT_URL", "WEBHOOK_SIGNING_SECRET"] as const).filter(
    (name) => env[name] !== undefined,
  );
  if (ignored.length > 0) {
    logger.warn(
      { ignored },
      "clients are registered: each commune system's webhook URL and secrets come from its registration, these variables serve only the development clients",
    );
  }
  return (clientId) => {
    const webhook = clients.client(clientId)?.webhook;
    return webhook && { url: webhook.url, secrets: webhook.secrets };
  };
}

function refusePublicSecrets(clients: ClientDirectory, variable: "CLIENTS_FILE" | "CLIENTS"): void {
  const issues: ConfigIssue[] = clients.all().flatMap((client) =>
    (client.webhook?.secrets ?? []).flatMap((secret, index) => {
      const refusal = webhookSecretRefusal(secret);
      return refusal
        ? [
            {
              variable,
              reason: `client "${client.clientId}": webhook.secrets.${index} ${refusal}, refused when NODE_ENV=production`,
            },
          ]
        : [];
    }),
  );
  if (issues.length > 0) throw new ConfigError(issues);
}
