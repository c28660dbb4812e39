import { createHash } from "node:crypto";
import {
  ConfigError,
  productionRulesApply,
  type ConfigIssue,
  type Logger,
  type ServiceHost,
} from "@lienthong/service-host";
import {
  DEVELOPMENT_WEBHOOK_SECRET,
  webhookSecretFormatRefusal,
  webhookSecretRefusal,
  webhookUrlRefusal,
  type NotificationEnv,
} from "../config";
import type { WebhookEndpoint } from "./ports";

/** The registered clients as the service host loaded them (CLIENTS_FILE / CLIENTS, or the development clients). */
export type ClientDirectory = Pick<ServiceHost["identities"]["clients"], "development" | "all" | "client">;

/** One webhook endpoint and who sends to it: what operators see of it (never its URL or secrets). */
export interface EndpointRegistration {
  endpointId: string;
  /** The commune systems whose webhooks go there. */
  clientIds: string[];
  /** The units those commune systems act for: which operators may act on the endpoint. */
  unitCodes: string[];
}

/** Where each commune system (by client id) receives its webhooks, and every endpoint. */
export interface WebhookEndpoints {
  of(clientId: string): WebhookEndpoint | undefined;
  all(): EndpointRegistration[];
}

type EndpointEnv = Pick<
  NotificationEnv,
  "NODE_ENV" | "ALLOW_EMBEDDED_IN_PRODUCTION" | "CLIENTS_FILE" | "WEBHOOK_DEFAULT_URL" | "WEBHOOK_SIGNING_SECRET"
>;

/** An endpoint's id: a digest of its URL, stable across restarts, shared by clients registering the same URL. */
export function endpointIdOf(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 16);
}

/**
 * Each registered commune system's own webhook: its URL and its secrets
 * (`[current, previous?]`: every one signs while a rotation is under way).
 * The development clients (no CLIENTS_FILE: embedded mode, tests) share
 * WEBHOOK_DEFAULT_URL and the development secret. Refused at start: a URL
 * fetch could never call (scheme, blocked port), naming the commune system;
 * a `whsec_` secret that is not one (base64 of 24 to 64 bytes); in
 * production, a registered secret that is public or short. Neither the
 * URL nor the secret is repeated.
 */
export function webhookEndpoints(clients: ClientDirectory, env: EndpointEnv, logger: Logger): WebhookEndpoints {
  if (clients.development) {
    const url = env.WEBHOOK_DEFAULT_URL;
    if (!url) {
      logger.info({}, "no WEBHOOK_DEFAULT_URL: the development clients receive no webhooks");
      return { of: () => undefined, all: () => [] };
    }
    const endpoint: WebhookEndpoint = {
      id: endpointIdOf(url),
      url,
      secrets: [env.WEBHOOK_SIGNING_SECRET ?? DEVELOPMENT_WEBHOOK_SECRET],
    };
    const registration: EndpointRegistration = {
      endpointId: endpoint.id,
      clientIds: clients.all().map((client) => client.clientId),
      unitCodes: [...new Set(clients.all().flatMap((client) => client.unitCodes))],
    };
    return { of: () => endpoint, all: () => [registration] };
  }

  const variable = env.CLIENTS_FILE ? "CLIENTS_FILE" : "CLIENTS";
  refuseUncallableUrls(clients, variable);
  refuseSecrets(clients, variable, webhookSecretFormatRefusal, "");
  if (productionRulesApply(env))
    refuseSecrets(clients, variable, webhookSecretRefusal, ", refused when NODE_ENV=production");
  const ignored = (["WEBHOOK_DEFAULT_URL", "WEBHOOK_SIGNING_SECRET"] as const).filter(
    (name) => env[name] !== undefined,
  );
  if (ignored.length > 0) {
    logger.warn(
      { ignored },
      "clients are registered: each commune system's webhook URL and secrets come from its registration, these variables serve only the development clients",
    );
  }
  const registrations = new Map<string, EndpointRegistration>();
  for (const client of clients.all()) {
    if (!client.webhook) continue;
    const endpointId = endpointIdOf(client.webhook.url);
    const registration = registrations.get(endpointId) ?? { endpointId, clientIds: [], unitCodes: [] };
    registration.clientIds.push(client.clientId);
    registration.unitCodes = [...new Set([...registration.unitCodes, ...client.unitCodes])];
    registrations.set(endpointId, registration);
  }
  return {
    of: (clientId) => {
      const webhook = clients.client(clientId)?.webhook;
      return webhook && { id: endpointIdOf(webhook.url), url: webhook.url, secrets: webhook.secrets };
    },
    all: () => [...registrations.values()],
  };
}

function refuseUncallableUrls(clients: ClientDirectory, variable: "CLIENTS_FILE" | "CLIENTS"): void {
  const issues: ConfigIssue[] = clients.all().flatMap((client) => {
    const refusal = client.webhook && webhookUrlRefusal(client.webhook.url);
    return refusal ? [{ variable, reason: `client "${client.clientId}": webhook.url ${refusal}` }] : [];
  });
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Each registered secret `refusal` refuses, named by its commune and position (never its value). */
function refuseSecrets(
  clients: ClientDirectory,
  variable: "CLIENTS_FILE" | "CLIENTS",
  refusalOf: (secret: string) => string | undefined,
  when: string,
): void {
  const issues: ConfigIssue[] = clients.all().flatMap((client) =>
    (client.webhook?.secrets ?? []).flatMap((secret, index) => {
      const refusal = refusalOf(secret);
      return refusal
        ? [{ variable, reason: `client "${client.clientId}": webhook.secrets.${index} ${refusal}${when}` }]
        : [];
    }),
  );
  if (issues.length > 0) throw new ConfigError(issues);
}
