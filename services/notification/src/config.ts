import { platformService } from "@lienthong/contracts";
import { envInteger, envOptionalString, envString, serviceEnv } from "@lienthong/service-host";
import { z } from "zod";

const webhookEndpoints = z
  .string()
  .default("{}")
  .transform((text, ctx): unknown => {
    try {
      return JSON.parse(text.trim() === "" ? "{}" : text);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON object of client id → webhook URL" });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.url({ protocol: /^https?$/ })));

export const notificationEnv = serviceEnv(platformService("notification"), {
  /** SMTP server, e.g. smtp://mailpit:1025; without it mail is captured as .eml files under DATA_DIR (embedded mode). */
  SMTP_URL: envOptionalString(),
  MAIL_FROM: envString("LiênThông <no-reply@lienthong.local>"),
  /** Shared secret for Standard Webhooks signatures (per-commune secrets come with commune registration). */
  WEBHOOK_SIGNING_SECRET: envString("lienthong-development-webhook-secret"),
  /** JSON object: commune system (client id) → webhook URL. */
  WEBHOOK_ENDPOINTS: webhookEndpoints,
  /** Webhook URL for commune systems without their own entry. */
  WEBHOOK_DEFAULT_URL: envOptionalString(),
  DELIVERY_MAX_ATTEMPTS: envInteger(8, 1, 100),
});
