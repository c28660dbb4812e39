import { platformService } from "@lienthong/contracts";
import { envInteger, envOptionalString, publicLinkEnv, serviceEnv } from "@lienthong/service-host";

const MIB = 1024 * 1024;

/** intake's environment: the common variables (clients, identity provider, reference data), the link secret and intake's own limits. */
export const intakeEnv = serviceEnv(platformService("intake"), {
  /** The secret the applicant's download links are signed with, shared with signature (README, "Configuration"). */
  ...publicLinkEnv,
  /** Largest attachment content accepted inline (decoded bytes). */
  ATTACHMENT_MAX_BYTES: envInteger(10 * MIB, 1, 512 * MIB),
  /** Public status lookups allowed per dossier code per minute, and per client IP per minute. */
  PUBLIC_LOOKUP_PER_CODE_PER_MINUTE: envInteger(5, 1, 10_000),
  PUBLIC_LOOKUP_PER_IP_PER_MINUTE: envInteger(30, 1, 1_000_000),
  /** Express "trust proxy" setting (e.g. "loopback" or "10.0.0.0/8"), so rate limits see the client's IP behind a proxy. */
  TRUST_PROXY: envOptionalString(),
});
