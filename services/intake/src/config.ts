import { platformService } from "@lienthong/contracts";
import { envInteger, envOptionalString, referenceDataEnv, serviceEnv } from "@lienthong/service-host";

const MIB = 1024 * 1024;

/** intake's environment: the common variables, where the reference data comes from, and intake's own limits. */
export const intakeEnv = serviceEnv(platformService("intake"), {
  ...referenceDataEnv,
  /**
   * Per-commune API keys, JSON: { "<key>": { "clientId": "...", "unitCodes": ["14845", "38.CA"] } }.
   * Unset outside production: the built-in development keys (see auth/api-keys.ts).
   */
  API_KEYS: envOptionalString(),
  /** Largest attachment content accepted inline (decoded bytes). */
  ATTACHMENT_MAX_BYTES: envInteger(10 * MIB, 1, 512 * MIB),
  /** Public status lookups allowed per dossier code per minute, and per client IP per minute. */
  PUBLIC_LOOKUP_PER_CODE_PER_MINUTE: envInteger(5, 1, 10_000),
  PUBLIC_LOOKUP_PER_IP_PER_MINUTE: envInteger(30, 1, 1_000_000),
  /** Express "trust proxy" setting (e.g. "loopback" or "10.0.0.0/8"), so rate limits see the client's IP behind a proxy. */
  TRUST_PROXY: envOptionalString(),
});
