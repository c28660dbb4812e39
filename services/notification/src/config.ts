import { platformService } from "@lienthong/contracts";
import {
  envBoolean,
  envInteger,
  envJson,
  envOptionalString,
  envString,
  productionRulesApply,
  serviceEnv,
} from "@lienthong/service-host";
import { z } from "zod";
import { TEMPLATED_EVENT_NAMES } from "./templates/variables";
import { parseQuietHours } from "./use-cases/quiet-hours";

/**
 * The secret the development clients' webhooks are signed with when
 * WEBHOOK_SIGNING_SECRET is not set (embedded mode: the commune simulator
 * verifies with it). It is printed here, so it is public.
 */
export const DEVELOPMENT_WEBHOOK_SECRET = "lienthong-development-webhook-secret";

/** Secrets this repository prints (the default above, the one compose files used): fit for nothing shared. */
const PUBLIC_WEBHOOK_SECRETS: readonly string[] = [DEVELOPMENT_WEBHOOK_SECRET, "local-development-webhook-secret"];

/** As the client registry asks of every commune's webhook secret: 32 characters, about 190 bits when random. */
export const MIN_WEBHOOK_SECRET_LENGTH = 32;

/** What marks a Standard Webhooks secret: `whsec_` + the base64 of the key's bytes. */
export const STANDARD_WEBHOOKS_SECRET_PREFIX = "whsec_";

/**
 * Standard Webhooks' key size: "random, between 24 bytes (192 bits) and 64 bytes (512 bits)"; some
 * receivers' libraries refuse a key outside it, so notification does too.
 */
const STANDARD_WEBHOOKS_KEY_BYTES = { min: 24, max: 64 } as const;

/**
 * Why a `whsec_` secret cannot sign, or undefined when it can (or is not a
 * `whsec_` secret): its key must be padded base64 of the standard alphabet,
 * the one form every receiver's library decodes alike (the JavaScript one
 * throws on other characters, others refuse missing padding), of 24 to 64
 * bytes. Refused in every environment, where it would otherwise fail at the
 * first send or at the commune's. Never repeats the secret.
 */
export function webhookSecretFormatRefusal(secret: string): string | undefined {
  if (!secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)) return undefined;
  const key = secret.slice(STANDARD_WEBHOOKS_SECRET_PREFIX.length);
  if (key.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(key))
    return "is not a Standard Webhooks secret: whsec_ must be followed by base64 (A-Z a-z 0-9 + /, = padding)";
  const bytes = Buffer.from(key, "base64").length;
  const { min, max } = STANDARD_WEBHOOKS_KEY_BYTES;
  if (bytes < min || bytes > max)
    return `holds a ${bytes}-byte key after whsec_: Standard Webhooks keys are ${min} to ${max} random bytes`;
  return undefined;
}

/** Why production refuses a webhook secret, or undefined when it may sign. Never repeats the secret. */
export function webhookSecretRefusal(secret: string): string | undefined {
  if (PUBLIC_WEBHOOK_SECRETS.includes(secret)) return "is a public development secret";
  if (secret.length < MIN_WEBHOOK_SECRET_LENGTH) return `is shorter than ${MIN_WEBHOOK_SECRET_LENGTH} characters`;
  return undefined;
}

/**
 * The ports fetch refuses to connect to (the Fetch standard's "bad port" list,
 * https://fetch.spec.whatwg.org/#port-blocking, which Node's fetch applies):
 * a webhook to one of them could never be sent.
 */
const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/**
 * Why a webhook URL could never be called, or undefined when fetch can call
 * it: not a URL, a scheme other than http(s), or a port fetch blocks. Names
 * the scheme or port, never the URL (it may carry a token).
 */
export function webhookUrlRefusal(value: string): string | undefined {
  if (!URL.canParse(value)) return "is not a URL";
  const url = new URL(value);
  if (!/^https?:$/.test(url.protocol))
    return `has the scheme "${url.protocol.slice(0, -1)}": only http and https are sent`;
  if (url.port !== "" && FETCH_BAD_PORTS.has(Number(url.port)))
    return `uses port ${url.port}, which fetch refuses to connect to (the Fetch standard's blocked ports)`;
  return undefined;
}

/**
 * An SMS brand name (tên định danh) as carriers register it: at most 11
 * characters, letters, digits and a few marks, shown as the sender.
 */
const SMS_BRAND_NAME = /^[A-Za-z0-9 .&_-]{1,11}$/;

/** A gateway's URL: callable by fetch (scheme, port), said without repeating it. */
function gatewayUrl() {
  return envOptionalString().superRefine((url, ctx) => {
    const refusal = url === undefined ? undefined : webhookUrlRefusal(url);
    if (refusal)
      ctx.addIssue({ code: "custom", message: `${refusal}; it must be an http:// or https:// URL fetch can call` });
  });
}

/** A receipt secret: text, or a Standard Webhooks `whsec_` secret, as a commune's webhook secret. */
function receiptSecret() {
  return envOptionalString().superRefine((secret, ctx) => {
    const refusal = secret === undefined ? undefined : webhookSecretFormatRefusal(secret);
    if (refusal) ctx.addIssue({ code: "custom", message: refusal });
  });
}

/**
 * notification's own variables. The registered commune systems' webhooks (URL
 * and secrets) come with the clients (CLIENTS_FILE / CLIENTS); the two
 * WEBHOOK_ variables serve only the development clients of embedded mode.
 */
export const notificationEnv = serviceEnv(platformService("notification"), {
  /** SMTP server, e.g. smtp://mailpit:1025; without it mail is captured as .eml files under DATA_DIR (embedded mode). */
  SMTP_URL: envOptionalString(),
  MAIL_FROM: envString("LiênThông <no-reply@lienthong.local>"),
  /**
   * Signs the delivery status notifications (bounces) the mailbox pipe posts to /v1/delivery-receipts/mail
   * (Standard Webhooks, text or whsec_); without it bounces are not read and mail stays "sent".
   */
  MAIL_DSN_SECRET: receiptSecret(),
  /** The DSN secret being rotated out. */
  MAIL_DSN_PREVIOUS_SECRET: receiptSecret(),
  /** Where the development clients' webhooks go (embedded mode: the commune simulator). */
  WEBHOOK_DEFAULT_URL: envOptionalString().superRefine((url, ctx) => {
    const refusal = url === undefined ? undefined : webhookUrlRefusal(url);
    if (refusal)
      ctx.addIssue({ code: "custom", message: `${refusal}; it must be an http:// or https:// URL fetch can call` });
  }),
  /** The development clients' webhook secret (text, or a Standard Webhooks `whsec_` secret); DEVELOPMENT_WEBHOOK_SECRET when unset. */
  WEBHOOK_SIGNING_SECRET: envOptionalString().superRefine((secret, ctx) => {
    const refusal = secret === undefined ? undefined : webhookSecretFormatRefusal(secret);
    if (refusal) ctx.addIssue({ code: "custom", message: refusal });
  }),
  /**
   * How long a delivery that keeps failing temporarily is retried (from its
   * first attempt), in hours: a commune system down over a weekend still gets
   * everything. Deliveries held for a suspended endpoint wait however long it takes.
   */
  NOTIFICATION_RETRY_HORIZON_HOURS: envInteger(72, 1, 24 * 30),
  /** Consecutive temporary failures of a webhook endpoint (any of its deliveries) before it is suspended. */
  NOTIFICATION_ENDPOINT_SUSPEND_AFTER: envInteger(10, 1, 1000),
  /**
   * How long events may wait (parked) for their dossier's submission before
   * an alert is raised (a metric and one warning per dossier); they keep waiting.
   */
  NOTIFICATION_PARK_ALERT_AFTER_MS: envInteger(10 * 60_000, 1_000, 7 * 86_400_000),
  /**
   * A directory of the province's own templates, `<language>/<event>.yaml`
   * (as services/notification/assets/templates/), each replacing the shipped one of
   * its event and language; checked at start like them.
   */
  NOTIFICATION_TEMPLATES_DIR: envOptionalString(),
  /**
   * Quiet hours in Vietnam time, "HH:MM-HH:MM" (e.g. 21:00-07:00, spanning midnight): a non-urgent SMS or ZNS
   * message planned inside them waits for their end; urgent ones go at once. Unset: no quiet hours.
   */
  NOTIFICATION_QUIET_HOURS: envOptionalString().superRefine((text, ctx) => {
    if (text !== undefined && !parseQuietHours(text))
      ctx.addIssue({ code: "custom", message: 'must be "HH:MM-HH:MM" in Vietnam time, two different times' });
  }),
  /**
   * Each provider's rate, in calls started per second (0: no limit): the SMTP server, the SMS gateway, Zalo ZNS,
   * the commune systems' webhooks (all endpoints together). A message over the rate waits, never dropped.
   */
  NOTIFICATION_RATE_SMTP_PER_SECOND: envInteger(0, 0, 10_000),
  NOTIFICATION_RATE_SMS_PER_SECOND: envInteger(0, 0, 10_000),
  NOTIFICATION_RATE_ZNS_PER_SECOND: envInteger(0, 0, 10_000),
  NOTIFICATION_RATE_WEBHOOK_PER_SECOND: envInteger(0, 0, 10_000),
  /** The SMS gateway (its HTTP API, see src/channels/sms.ts); without it no SMS is sent. */
  SMS_GATEWAY_URL: gatewayUrl(),
  /** The gateway's API token (sent as a bearer token; never logged). */
  SMS_GATEWAY_TOKEN: envOptionalString(),
  /** The brand name the SMS are sent under, as registered with the carriers (at most 11 characters). */
  SMS_BRAND_NAME: envOptionalString().superRefine((name, ctx) => {
    if (name !== undefined && !SMS_BRAND_NAME.test(name))
      ctx.addIssue({
        code: "custom",
        message: "must be 1 to 11 characters: letters, digits, space and . & _ - (a carrier-registered brand name)",
      });
  }),
  /**
   * Whether the gateway carries Vietnamese diacritics (UCS-2: 70 characters a
   * segment, 67 when concatenated). Off, texts are sent without them in
   * GSM-7 (160, 153): cheaper, and what many brand-name routes require.
   */
  SMS_DIACRITICS: envBoolean(false),
  /** Signs the gateway's delivery receipts (Standard Webhooks); without it an accepted SMS is final ("sent"). */
  SMS_RECEIPT_SECRET: receiptSecret(),
  /** The receipt secret being rotated out: receipts signed with it still verify until it is removed. */
  SMS_RECEIPT_PREVIOUS_SECRET: receiptSecret(),
  /** Zalo's ZNS template API (e.g. https://business.openapi.zalo.me/message/template); without it no ZNS is sent. */
  ZNS_API_URL: gatewayUrl(),
  /** The official account's access token (header access_token; never logged). */
  ZNS_ACCESS_TOKEN: envOptionalString(),
  /** The approved template of each event told by ZNS, e.g. {"resultIssued":"231456"}; other events go by SMS. */
  ZNS_TEMPLATES: envJson(z.partialRecord(z.enum(TEMPLATED_EVENT_NAMES), z.string().regex(/^\d{1,20}$/)), {}),
  /** Signs ZNS delivery receipts (Standard Webhooks); without it an accepted ZNS message is final ("sent"). */
  ZNS_RECEIPT_SECRET: receiptSecret(),
  /** The ZNS receipt secret being rotated out (as SMS_RECEIPT_PREVIOUS_SECRET). */
  ZNS_RECEIPT_PREVIOUS_SECRET: receiptSecret(),
  /** How long a gateway (SMS, ZNS) may take to answer before the attempt counts as a temporary failure. */
  NOTIFICATION_GATEWAY_TIMEOUT_MS: envInteger(10_000, 100, 120_000),
  /**
   * How long a message a gateway took waits for its receipt, in hours; then it
   * is a technical failure (a ZNS message falls back to SMS) that an operator
   * may resend, rather than "sent" for ever.
   */
  NOTIFICATION_RECEIPT_HORIZON_HOURS: envInteger(72, 1, 24 * 30),
})
  .superRefine((env, ctx) => {
    const together = (configured: string | undefined, name: string, needs: Record<string, string | undefined>) => {
      if (configured === undefined) return;
      for (const [variable, value] of Object.entries(needs))
        if (value === undefined)
          ctx.addIssue({ code: "custom", path: [variable], message: `is required with ${name}` });
    };
    together(env.SMS_GATEWAY_URL, "SMS_GATEWAY_URL", {
      SMS_GATEWAY_TOKEN: env.SMS_GATEWAY_TOKEN,
      SMS_BRAND_NAME: env.SMS_BRAND_NAME,
    });
    together(env.ZNS_API_URL, "ZNS_API_URL", { ZNS_ACCESS_TOKEN: env.ZNS_ACCESS_TOKEN });
    if (env.ZNS_API_URL !== undefined && Object.keys(env.ZNS_TEMPLATES).length === 0)
      ctx.addIssue({ code: "custom", path: ["ZNS_TEMPLATES"], message: "names no template: ZNS would send nothing" });
    // Half a gateway is refused, not ignored: a receipt secret without its gateway would open a public route for a
    // channel that is off, and a token or templates without a URL say someone meant it on.
    const onlyWith = (url: string | undefined, urlName: string, parts: Record<string, unknown>) => {
      if (url !== undefined) return;
      for (const [variable, value] of Object.entries(parts))
        if (value !== undefined)
          ctx.addIssue({ code: "custom", path: [variable], message: `is set without ${urlName}: that channel is off` });
    };
    onlyWith(env.SMTP_URL, "SMTP_URL", { MAIL_DSN_SECRET: env.MAIL_DSN_SECRET });
    together(env.MAIL_DSN_PREVIOUS_SECRET, "MAIL_DSN_PREVIOUS_SECRET", { MAIL_DSN_SECRET: env.MAIL_DSN_SECRET });
    onlyWith(env.SMS_GATEWAY_URL, "SMS_GATEWAY_URL", {
      SMS_GATEWAY_TOKEN: env.SMS_GATEWAY_TOKEN,
      SMS_BRAND_NAME: env.SMS_BRAND_NAME,
      SMS_RECEIPT_SECRET: env.SMS_RECEIPT_SECRET,
    });
    onlyWith(env.ZNS_API_URL, "ZNS_API_URL", {
      ZNS_ACCESS_TOKEN: env.ZNS_ACCESS_TOKEN,
      ZNS_RECEIPT_SECRET: env.ZNS_RECEIPT_SECRET,
      ZNS_TEMPLATES: Object.keys(env.ZNS_TEMPLATES).length > 0 ? env.ZNS_TEMPLATES : undefined,
    });
    together(env.SMS_RECEIPT_PREVIOUS_SECRET, "SMS_RECEIPT_PREVIOUS_SECRET", {
      SMS_RECEIPT_SECRET: env.SMS_RECEIPT_SECRET,
    });
    together(env.ZNS_RECEIPT_PREVIOUS_SECRET, "ZNS_RECEIPT_PREVIOUS_SECRET", {
      ZNS_RECEIPT_SECRET: env.ZNS_RECEIPT_SECRET,
    });
  })
  .superRefine((env, ctx) => {
    if (!productionRulesApply(env)) return;
    // Production: a gateway's token and the citizens' numbers travel in the clear over http, and a receipt secret
    // forges receipts if it is weak.
    for (const variable of ["SMS_GATEWAY_URL", "ZNS_API_URL"] as const) {
      const url = env[variable];
      if (url !== undefined && URL.canParse(url) && new URL(url).protocol !== "https:")
        ctx.addIssue({
          code: "custom",
          path: [variable],
          message: "must be an https:// URL when NODE_ENV=production (it carries a token and phone numbers)",
        });
    }
    for (const variable of [
      "MAIL_DSN_SECRET",
      "MAIL_DSN_PREVIOUS_SECRET",
      "SMS_RECEIPT_SECRET",
      "SMS_RECEIPT_PREVIOUS_SECRET",
      "ZNS_RECEIPT_SECRET",
      "ZNS_RECEIPT_PREVIOUS_SECRET",
    ] as const) {
      const secret = env[variable];
      const refusal = secret === undefined ? undefined : webhookSecretRefusal(secret);
      if (refusal)
        ctx.addIssue({ code: "custom", path: [variable], message: `${refusal}: refused when NODE_ENV=production` });
    }
    if (env.WEBHOOK_SIGNING_SECRET === undefined) return;
    const refusal = webhookSecretRefusal(env.WEBHOOK_SIGNING_SECRET);
    if (refusal) {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_SIGNING_SECRET"],
        message: `${refusal}: refused when NODE_ENV=production (registered commune systems sign with their own secrets, in CLIENTS_FILE)`,
      });
    }
  });

export type NotificationEnv = ReturnType<(typeof notificationEnv)["parse"]>;
