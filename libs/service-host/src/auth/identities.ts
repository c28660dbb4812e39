import * as path from "node:path";
import type { Role } from "@lienthong/domain";
import { toPlatformError, unauthenticated, type PlatformError } from "@lienthong/errors";
import { ConfigError } from "../config";
import type { Logger } from "../logger";
import type { Caller } from "./caller";
import { loadClientRegistry, type ClientRegistry, type ClientRegistryEnv } from "./client-registry";
import { DEVELOPMENT_ISSUER, PLATFORM_AUDIENCE, openDevelopmentIssuer } from "./development-issuer";
import { OfficialTokens } from "./official-tokens";

/** What a request presents: the client's API key and the Authorization header (an official's bearer token). */
export interface PresentedCredentials {
  apiKey?: string;
  authorization?: string;
}

export interface IdentityEnv extends ClientRegistryEnv {
  DATA_DIR: string;
  IDENTITY_DIR?: string;
  OIDC_ISSUER?: string;
  OIDC_AUDIENCE: string;
  OIDC_JWKS_URL?: string;
  OIDC_JWKS_FILE?: string;
  OIDC_ALGORITHMS: string[];
  OIDC_CLOCK_TOLERANCE_SECONDS: number;
  OIDC_ROLES_CLAIM: string;
  OIDC_UNITS_CLAIM: string;
  OIDC_ROLE_MAP: Record<string, Role>;
}

/**
 * What a request's credentials proved: the caller as far as they verified,
 * and the refusal of the first one that did not. A refused request is never
 * let through, but its denial is audited naming whoever did prove who they
 * are (a commune system with a valid key forwarding an expired token).
 */
export interface Identification {
  caller: Caller;
  /** UNAUTHENTICATED for a credential that does not verify; UNAVAILABLE when the provider's keys cannot be read. */
  refusal?: PlatformError;
}

/** Who may call a service: its registered clients and the province's identity provider. */
export interface Identities {
  clients: ClientRegistry;
  officials: OfficialTokens;
  /** Where the development issuer keeps its key, when it is the issuer (embedded mode). */
  developmentIssuerDir: string | undefined;
  /** The caller a request's credentials prove, with the refusal of a credential that does not verify; never rejects. */
  identify(credentials: PresentedCredentials): Promise<Identification>;
  /** The caller a request's credentials prove; UNAUTHENTICATED for a credential that does not verify. */
  authenticate(credentials: PresentedCredentials): Promise<Caller>;
}

/** The scheme is case-insensitive (RFC 9110 §11.1); the token is a compact JWS. */
const BEARER = /^bearer ([A-Za-z0-9_.-]+)$/i;

export async function openIdentities(
  env: IdentityEnv,
  logger: Logger,
  allCommunes: () => string[],
): Promise<Identities> {
  const clients = loadClientRegistry(env, allCommunes);
  if (clients.development) {
    logger.warn(
      { clients: clients.all().map((client) => client.clientId) },
      "no CLIENTS_FILE: the built-in DEVELOPMENT clients and their public API keys are accepted — never expose this to a network",
    );
  }
  const policy = {
    audience: env.OIDC_AUDIENCE,
    algorithms: env.OIDC_ALGORITHMS,
    clockToleranceSeconds: env.OIDC_CLOCK_TOLERANCE_SECONDS,
    rolesClaim: env.OIDC_ROLES_CLAIM,
    unitsClaim: env.OIDC_UNITS_CLAIM,
    roleMap: env.OIDC_ROLE_MAP,
  };
  let officials: OfficialTokens;
  let developmentIssuerDir: string | undefined;
  if (env.OIDC_ISSUER) {
    const source = env.OIDC_JWKS_URL ? { jwksUrl: env.OIDC_JWKS_URL } : { jwksFile: env.OIDC_JWKS_FILE ?? "" };
    try {
      officials = new OfficialTokens({ ...policy, issuer: env.OIDC_ISSUER }, source);
    } catch (error) {
      const reason =
        error instanceof SyntaxError
          ? "is not JSON"
          : `cannot be read (${(error as NodeJS.ErrnoException).code ?? "not a key set"})`;
      throw new ConfigError([{ variable: "OIDC_JWKS_FILE", reason: `the identity provider's key set ${reason}` }]);
    }
  } else {
    if (env.NODE_ENV === "production" && !env.ALLOW_EMBEDDED_IN_PRODUCTION) {
      throw new ConfigError([
        { variable: "OIDC_ISSUER", reason: "required when NODE_ENV=production (the development issuer is refused)" },
      ]);
    }
    developmentIssuerDir = path.resolve(env.IDENTITY_DIR ?? path.join(env.DATA_DIR, "identity"));
    const issuer = await openDevelopmentIssuer(developmentIssuerDir);
    logger.warn(
      { issuer: DEVELOPMENT_ISSUER },
      "no OIDC_ISSUER: officials' tokens from the local DEVELOPMENT issuer are accepted — not for production",
    );
    officials = new OfficialTokens(
      { ...policy, issuer: DEVELOPMENT_ISSUER, audience: PLATFORM_AUDIENCE, algorithms: ["ES256"] },
      { jwks: issuer.jwks },
    );
  }
  const identify = async ({ apiKey, authorization }: PresentedCredentials): Promise<Identification> => {
    const caller: Caller = {};
    try {
      // The key first: it is checked in memory, and a caller whose key is refused
      // gets no token verified (no fetch of the provider's keys) on its behalf.
      if (apiKey !== undefined) caller.client = clients.authenticate(apiKey);
      if (authorization !== undefined) {
        const token = BEARER.exec(authorization)?.[1];
        if (!token) throw unauthenticated('The Authorization header must be "Bearer <token>"');
        caller.official = await officials.verify(token);
      }
      return { caller };
    } catch (error) {
      return { caller, refusal: toPlatformError(error) };
    }
  };
  return {
    clients,
    officials,
    developmentIssuerDir,
    identify,
    authenticate: async (credentials) => {
      const { caller, refusal } = await identify(credentials);
      if (refusal) throw refusal;
      return caller;
    },
  };
}
