import { createHash } from "node:crypto";
import type { AdministrativeUnits } from "@lienthong/domain";
import { unauthenticated } from "@lienthong/errors";
import { ConfigError, type Logger } from "@lienthong/service-host";
import { z } from "zod";
import type { AccessDecision, Caller } from "../use-cases/ports";

/** The header (REST) and metadata key (gRPC) carrying a commune system's API key. */
export const API_KEY_HEADER = "x-api-key";

const unitCode = z.string().regex(/^[0-9A-Z.]{1,35}$/, "must be a unit or agency code such as 14845 or 38.CA");

const apiKeysSchema = z.record(
  z.string().min(16, "keys must be at least 16 characters"),
  z.object({
    clientId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, "must be 1-100 lowercase letters, digits, '.', '_' or '-'"),
    unitCodes: z.array(unitCode).min(1, "must list at least one unit"),
  }),
);

/**
 * Development keys, used only when API_KEYS is unset outside production, so
 * `npm start` and the demo work from a fresh clone. Public on purpose: they
 * are in the source.
 */
export const DEVELOPMENT_API_KEYS = {
  /** Mường Lát commune centre (Thanh Hoá). */
  muongLat: "lienthong-dev-muong-lat-commune",
  /** Tam Chung commune centre (Thanh Hoá). */
  tamChung: "lienthong-dev-tam-chung-commune",
  /** Thanh Hoá provincial police (competent for criminal-record certificates). */
  thanhHoaPolice: "lienthong-dev-thanh-hoa-police",
  /** The provincial portal: receives at every commune of the loaded units list. */
  portal: "lienthong-dev-portal",
} as const;

function developmentClients(units: AdministrativeUnits): Record<string, { clientId: string; unitCodes: string[] }> {
  const everyCommune = units
    .provinces()
    .flatMap((province) => units.communesOf(province.code).map((commune) => commune.code));
  return {
    [DEVELOPMENT_API_KEYS.muongLat]: { clientId: "muong-lat-commune-system", unitCodes: ["14845"] },
    [DEVELOPMENT_API_KEYS.tamChung]: { clientId: "tam-chung-commune-system", unitCodes: ["14848"] },
    [DEVELOPMENT_API_KEYS.thanhHoaPolice]: { clientId: "thanh-hoa-provincial-police", unitCodes: ["38.CA"] },
    [DEVELOPMENT_API_KEYS.portal]: { clientId: "portal", unitCodes: everyCommune },
  };
}

/** Who may call intake, by API key. Keys are held as SHA-256 digests, so a heap dump does not hand them out. */
export class ApiKeys {
  private readonly byDigest: Map<string, Caller>;

  constructor(
    clients: Record<string, { clientId: string; unitCodes: string[] }>,
    private readonly audit: (decision: AccessDecision) => void,
  ) {
    this.byDigest = new Map(
      Object.entries(clients).map(([key, client]) => [
        digest(key),
        { clientId: client.clientId, unitCodes: new Set(client.unitCodes) },
      ]),
    );
  }

  /** The caller a key belongs to; UNAUTHENTICATED when the key is missing or unknown. */
  authenticate(key: string | undefined): Caller {
    const caller = key ? this.byDigest.get(digest(key)) : undefined;
    if (!caller) {
      // The presented key is a secret even when wrong: only its absence or presence is recorded.
      this.audit({
        clientId: "(unauthenticated)",
        action: "authenticate",
        target: key ? "unknown-api-key" : "no-api-key",
        decision: "denied",
      });
      throw unauthenticated(`A valid API key is required in the ${API_KEY_HEADER} header`);
    }
    return caller;
  }
}

function digest(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/**
 * The configured keys; without API_KEYS, the development keys with a loud
 * warning — refused when NODE_ENV=production.
 */
export function apiKeysFrom(
  env: { API_KEYS?: string; NODE_ENV: string },
  units: AdministrativeUnits,
  logger: Logger,
  audit: (decision: AccessDecision) => void,
): ApiKeys {
  if (env.API_KEYS === undefined) {
    if (env.NODE_ENV === "production") {
      throw new ConfigError([
        { variable: "API_KEYS", reason: "required when NODE_ENV=production (the development keys are refused)" },
      ]);
    }
    logger.warn(
      { clients: Object.values(developmentClients(units)).map((client) => client.clientId) },
      "API_KEYS is unset: using the built-in DEVELOPMENT API keys, which are public — never expose this intake to a network",
    );
    return new ApiKeys(developmentClients(units), audit);
  }
  let json: unknown;
  try {
    json = JSON.parse(env.API_KEYS);
  } catch {
    throw new ConfigError([
      { variable: "API_KEYS", reason: 'must be JSON: { "<key>": { "clientId": "...", "unitCodes": ["14845"] } }' },
    ]);
  }
  const parsed = apiKeysSchema.safeParse(json);
  if (!parsed.success) {
    // Issue paths start with the key itself, a secret: name the entry by position instead.
    const keys = json !== null && typeof json === "object" ? Object.keys(json) : [];
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const [key, ...rest] = issue.path.map(String);
        const entry =
          key === undefined ? "" : `entry #${keys.indexOf(key) + 1}${rest.length > 0 ? `.${rest.join(".")}` : ""}: `;
        return { variable: "API_KEYS", reason: `${entry}${issue.message}` };
      }),
    );
  }
  return new ApiKeys(parsed.data, audit);
}
