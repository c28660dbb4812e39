import { Webhook } from "standardwebhooks";
import { STANDARD_WEBHOOKS_SECRET_PREFIX } from "../config";
import { callGateway } from "./gateway-http";
import type { WebhookCall, WebhookSender } from "./ports";

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
    const response = await callGateway("webhook endpoint", call.endpoint.url, {
      headers: {
        "webhook-id": call.id,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body: call.body,
      timeoutMs: TIMEOUT_MS,
    });
    // A commune system's answer tells nothing more; consuming it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
  }
}

/**
 * Verifies an incoming webhook with a commune's secret, either form (for commune systems
 * written in TypeScript, the CLI's commune simulator and our tests): the library's checks,
 * the timestamp's tolerance (5 min) included. Returns the parsed JSON body.
 */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string>): unknown {
  return standardWebhook(secret).verify(body, headers);
}

/**
 * Whether a Standard Webhooks request (a gateway's delivery receipt) verifies
 * with one of `secrets` (`[current, previous?]`, a rotation), timestamp
 * tolerance included. The body is not parsed here, so a signed body that is
 * not JSON is the caller's 400, never a bad signature.
 */
export function signatureVerifies(secrets: readonly string[], body: string, headers: Record<string, string>): boolean {
  return secrets.some((secret) => {
    try {
      standardWebhook(secret).verify(body, headers, { jsonParse: false });
      return true;
    } catch {
      return false;
    }
  });
}
