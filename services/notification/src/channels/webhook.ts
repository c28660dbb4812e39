import { createHmac, timingSafeEqual } from "node:crypto";
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
    await response.discard();
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

/** Standard Webhooks' replay window: a timestamp further than this from now is refused, either way. */
const TOLERANCE_S = 5 * 60;

/** The HMAC key of a secret, read as standardWebhook reads it. */
function keyOf(secret: string): Buffer {
  return secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)
    ? Buffer.from(secret.slice(STANDARD_WEBHOOKS_SECRET_PREFIX.length), "base64")
    : Buffer.from(secret, "utf8");
}

/**
 * Whether a Standard Webhooks request (a gateway's delivery receipt, a mailbox
 * pipe's DSN) verifies with one of `secrets` (`[current, previous?]`, a
 * rotation), the timestamp within 5 minutes of now. The HMAC is taken over the
 * body's bytes as they came: the standardwebhooks library decodes a Buffer as
 * UTF-8 first, which turns an 8-bit byte (a DSN returning a Latin-1 message)
 * into U+FFFD, so a sender signing the bytes would never verify. For a UTF-8
 * body both are the same HMAC. The body is not parsed here, so a signed body
 * that is not JSON is the caller's 400, never a bad signature.
 */
export function signatureVerifies(
  secrets: readonly string[],
  body: Buffer,
  headers: Record<string, string>,
  nowMs = Date.now(),
): boolean {
  const id = headers["webhook-id"] ?? "";
  const timestamp = headers["webhook-timestamp"] ?? "";
  if (id === "" || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > TOLERANCE_S) return false;
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, "utf8"), body]);
  const given = (headers["webhook-signature"] ?? "")
    .split(" ")
    .filter((signature) => signature.startsWith("v1,"))
    .map((signature) => Buffer.from(signature.slice(3), "utf8"));
  return secrets.some((secret) => {
    const expected = Buffer.from(createHmac("sha256", keyOf(secret)).update(signed).digest("base64"), "utf8");
    return given.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected));
  });
}
