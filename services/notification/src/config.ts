import { platformService } from "@lienthong/contracts";
import { envInteger, envOptionalString, envString, productionRulesApply, serviceEnv } from "@lienthong/service-host";

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

/** Why production refuses a webhook secret, or undefined when it may sign. Never repeats the secret. */
export function webhookSecretRefusal(secret: string): string | undefined {
  if (PUBLIC_WEBHOOK_SECRETS.includes(secret)) return "is a public development secret";
  if (secret.length < MIN_WEBHOOK_SECRET_LENGTH) return `is shorter than ${MIN_WEBHOOK_SECRET_LENGTH} characters`;
  return undefined;
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
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
  /** Where the development clients' webhooks go (embedded mode: the commune simulator). */
  WEBHOOK_DEFAULT_URL: envOptionalString().refine((url) => url === undefined || isHttpUrl(url), {
    message: "must be an http:// or https:// URL",
  }),
  /** The development clients' webhook secret; DEVELOPMENT_WEBHOOK_SECRET when unset. */
  WEBHOOK_SIGNING_SECRET: envOptionalString(),
  DELIVERY_MAX_ATTEMPTS: envInteger(8, 1, 100),
}).superRefine((env, ctx) => {
  if (!productionRulesApply(env) || env.WEBHOOK_SIGNING_SECRET === undefined) return;
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
