import { Webhook } from "standardwebhooks";
import { STANDARD_WEBHOOKS_SECRET_PREFIX } from "../config";
import { DeliveryError, type WebhookCall, type WebhookSender } from "./ports";

const TIMEOUT_MS = 10_000;

/**
 * A commune's secret as a signer: a Standard Webhooks secret (`whsec_` +
 * base64) keys the HMAC with its decoded bytes, exactly as every Standard
 * Webhooks library reads the same string, so the commune configures the
 * string it was given; any other secret (registered before `whsec_` secrets
 * were accepted) keys it with its UTF-8 bytes, as before (decision 49).
 * Secrets are checked at start (config.ts, webhookSecretFormatRefusal), so
 * this never throws at send time.
 */
function standardWebhook(secret: string): Webhook {
  return secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)
    ? new Webhook(secret)
    : new Webhook(Buffer.from(secret, "utf8"), { format: "raw" });
}

/**
 * Webhooks to commune systems, signed per the Standard Webhooks scheme
 * (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256), so a
 * receiver verifies them with any Standard Webhooks library. A call carries
 * one `v1,` signature per secret of its endpoint (space-separated, as the
 * scheme allows), so during a rotation a receiver holding either secret verifies.
 */
export class SignedWebhookSender implements WebhookSender {
  async send(call: WebhookCall): Promise<void> {
    // The wall clock, not the service's clock: receivers check the timestamp against theirs.
    const timestamp = new Date();
    const signature = call.endpoint.secrets
      .map((secret) => standardWebhook(secret).sign(call.id, timestamp, call.body))
      .join(" ");
    let response: Response;
    try {
      response = await fetch(call.endpoint.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": call.id,
          "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
          "webhook-signature": signature,
        },
        body: call.body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new DeliveryError("webhook endpoint unreachable", true);
    }
    if (!response.ok) {
      const retriable = response.status >= 500 || response.status === 408 || response.status === 429;
      throw new DeliveryError(`webhook endpoint answered HTTP ${response.status}`, retriable);
    }
  }
}

/**
 * Verifies an incoming webhook with a commune's secret, either form (for commune systems
 * written in TypeScript, and for our tests): the library's checks, the timestamp's
 * tolerance (5 min) included.
 */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string>): unknown {
  return standardWebhook(secret).verify(body, headers);
}
