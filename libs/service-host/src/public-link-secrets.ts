import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError, envOptionalString, productionRulesApply, readConfiguredFile, type ConfigIssue } from "./config";
import type { Logger } from "./logger";
import type { PublicLinkSecrets } from "./public-links";

/**
 * The variables of the services that make or check the applicant's download
 * links (intake, signature): spread into their `serviceEnv` extras. Each
 * secret comes inline or from a file (a mounted secret), not both.
 */
export const publicLinkEnv = {
  PUBLIC_LINK_SECRET: envOptionalString(),
  PUBLIC_LINK_SECRET_FILE: envOptionalString(),
  /** During a rotation: links signed with the previous secret are still accepted, never made. */
  PUBLIC_LINK_PREVIOUS_SECRET: envOptionalString(),
  PUBLIC_LINK_PREVIOUS_SECRET_FILE: envOptionalString(),
};

export interface PublicLinkSecretEnv {
  NODE_ENV: string;
  ALLOW_EMBEDDED_IN_PRODUCTION: boolean;
  DATA_DIR: string;
  IDENTITY_DIR?: string;
  PUBLIC_LINK_SECRET?: string;
  PUBLIC_LINK_SECRET_FILE?: string;
  PUBLIC_LINK_PREVIOUS_SECRET?: string;
  PUBLIC_LINK_PREVIOUS_SECRET_FILE?: string;
}

/** 32 characters, about 190 bits when random (the job of the compose stack makes 43). */
export const MIN_PUBLIC_LINK_SECRET_LENGTH = 32;
/** The secret this repository's tests and examples sign links with: printed here, so public; production refuses it. */
export const EXAMPLE_PUBLIC_LINK_SECRET = "lienthong-example-public-link-secret-printed-in-this-repository";
/** The development secret's file, beside the development issuer's key. */
const DEVELOPMENT_SECRET_FILE = "public-link-secret";

type SecretVariable = "PUBLIC_LINK_SECRET" | "PUBLIC_LINK_PREVIOUS_SECRET";

/**
 * The secrets the service signs and checks links with. Production (unless
 * ALLOW_EMBEDDED_IN_PRODUCTION) refuses a missing, short or public secret.
 * Elsewhere a missing one is the development secret: random, made once in
 * IDENTITY_DIR (else DATA_DIR/identity) and read by every process sharing
 * that directory, as the development issuer's key is. A ConfigError names
 * the variable, never the value.
 */
export function openPublicLinkSecrets(env: PublicLinkSecretEnv, logger: Logger): PublicLinkSecrets {
  const current = configuredSecret(env, "PUBLIC_LINK_SECRET");
  const previous = configuredSecret(env, "PUBLIC_LINK_PREVIOUS_SECRET");
  const production = productionRulesApply(env);
  const issues: ConfigIssue[] = [];
  for (const secret of [current, previous]) {
    const refusal = secret && production ? refusalOf(secret.value) : undefined;
    if (secret && refusal)
      issues.push({ variable: secret.variable, reason: `${refusal}: refused when NODE_ENV=production` });
  }
  if (!current && production) {
    issues.push({
      variable: "PUBLIC_LINK_SECRET",
      reason:
        "required when NODE_ENV=production (or PUBLIC_LINK_SECRET_FILE): intake and signature share it; " +
        "set ALLOW_EMBEDDED_IN_PRODUCTION=true to allow a development secret",
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const withPrevious = previous ? { previous: previous.value } : {};
  if (current) return { current: current.value, ...withPrevious };
  const directory = path.resolve(env.IDENTITY_DIR ?? path.join(env.DATA_DIR, "identity"));
  logger.warn(
    { directory },
    "no PUBLIC_LINK_SECRET: applicants' download links are signed with a DEVELOPMENT secret kept in this directory — not for production",
  );
  return { current: developmentSecret(directory), ...withPrevious };
}

/** Why production refuses a secret, or undefined. Never repeats the secret. */
function refusalOf(secret: string): string | undefined {
  if (secret === EXAMPLE_PUBLIC_LINK_SECRET) return "is the example secret printed in this repository";
  if (secret.length < MIN_PUBLIC_LINK_SECRET_LENGTH)
    return `is shorter than ${MIN_PUBLIC_LINK_SECRET_LENGTH} characters`;
  return undefined;
}

/** The secret given inline or in a file, with the variable that gave it. */
function configuredSecret(
  env: PublicLinkSecretEnv,
  variable: SecretVariable,
): { variable: string; value: string } | undefined {
  const fileVariable = `${variable}_FILE` as const;
  const inline = env[variable];
  const file = env[fileVariable];
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError([{ variable, reason: `set at most one of ${variable} and ${fileVariable}` }]);
  }
  if (inline !== undefined) return { variable, value: inline };
  if (file === undefined) return undefined;
  // A mounted secret usually ends with a newline that is not part of it.
  const value = readConfiguredFile(fileVariable, file).replace(/\r?\n$/, "");
  if (value === "") throw new ConfigError([{ variable: fileVariable, reason: "names an empty file" }]);
  return { variable: fileVariable, value };
}

/**
 * Made once; every process sharing the directory reads the same secret. The
 * first writer wins: each writes its own staging file (0600) and links it to
 * the final name, which fails for all but one, so the secret appears whole.
 */
function developmentSecret(directory: string): string {
  const file = path.join(directory, DEVELOPMENT_SECRET_FILE);
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const staged = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(staged, randomBytes(32).toString("base64url"), { flag: "wx", mode: 0o600 });
  try {
    linkSync(staged, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(staged);
  }
  return readFileSync(file, "utf8");
}
