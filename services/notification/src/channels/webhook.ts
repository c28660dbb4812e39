import { Webhook } from "standardwebhooks";
import { DeliveryError, type WebhookCall, type WebhookSender } from "./ports";

const TIMEOUT_MS = 10_000;

/**
 * Webhooks to commune systems, signed per the Standard Webhooks scheme
 * (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256), so a
 * receiver verifies them with any Standard Webhooks library.
 */
export class SignedWebhookSender implements WebhookSender {
  private readonly signer: Webhook;

  /** `secret` is the shared secret as text; Standard Webhooks keys are base64 of it. */
  constructor(secret: string) {
    this.signer = new Webhook(Buffer.from(secret, "utf8").toString("base64"));
  }

  async send(call: WebhookCall): Promise<void> {
    const timestamp = new Date();
    const signature = this.signer.sign(call.id, timestamp, call.body);
    let response: Response;
    try {
      response = await fetch(call.url, {
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

/** Verifies an incoming webhook (for commune systems written in TypeScript, and for our tests). */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string>): unknown {
  return new Webhook(Buffer.from(secret, "utf8").toString("base64")).verify(body, headers);
}
