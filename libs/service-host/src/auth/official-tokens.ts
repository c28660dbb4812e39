import { readFileSync, statSync } from "node:fs";
import { isRole, type Role } from "@lienthong/domain";
import { unauthenticated, unavailable } from "@lienthong/errors";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import type { OfficialIdentity } from "./caller";

/** How the province's identity provider signs officials' tokens, and where their roles and units are. */
export interface OfficialTokenPolicy {
  issuer: string;
  audience: string;
  /** Pinned: a token signed any other way (including "none") is refused. */
  algorithms: readonly string[];
  clockToleranceSeconds: number;
  rolesClaim: string;
  unitsClaim: string;
  /** The identity provider's group names → platform roles; unmapped names that are role names count as themselves. */
  roleMap: Readonly<Record<string, Role>>;
}

export type KeySource = { jwksUrl: string } | { jwksFile: string } | { jwks: JSONWebKeySet };

/**
 * The identity provider's keys could not be read (JWKS URL unreachable, file missing or half-written):
 * the token may be fine, so the caller is told to retry rather than that it is refused.
 */
class KeysUnreadable extends Error {}

/** Why a token was refused, said to the caller (no part of the token is repeated). */
function refusal(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "it has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === "nbf" || claim === "iat") return "it is not valid yet";
    if (claim === "aud") return "it is meant for another audience";
    if (claim === "iss") return "it comes from another issuer";
    return `its "${claim}" claim is missing or wrong`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return "it is signed with an algorithm this platform does not accept";
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "no key of the identity provider matches it";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "its signature does not verify";
  return "it is not a well-formed token";
}

/**
 * Verifies officials' JWTs with jose: pinned algorithms, issuer, audience,
 * expiry with a small clock tolerance, and keys from a JWKS URL (fetched and
 * re-fetched on an unknown key id, for rotation) or a JWKS file (re-read when
 * it changes).
 */
export class OfficialTokens {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    private readonly policy: OfficialTokenPolicy,
    source: KeySource,
  ) {
    this.keys = keysOrUnreadable(
      "jwksUrl" in source
        ? createRemoteJWKSet(new URL(source.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
        : "jwksFile" in source
          ? fileKeySet(source.jwksFile)
          : createLocalJWKSet(source.jwks),
    );
  }

  async verify(token: string): Promise<OfficialIdentity> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.policy.issuer,
        audience: this.policy.audience,
        algorithms: [...this.policy.algorithms],
        clockTolerance: this.policy.clockToleranceSeconds,
        requiredClaims: ["sub", "exp"],
      }));
    } catch (error) {
      if (error instanceof KeysUnreadable) {
        throw unavailable("The identity provider's keys cannot be read at the moment; retry shortly", error.cause);
      }
      throw unauthenticated(`The official's token is refused: ${refusal(error)}`);
    }
    return {
      subject: payload.sub!,
      unitCodes: new Set(stringsOf(payload[this.policy.unitsClaim])),
      roles: new Set(
        stringsOf(payload[this.policy.rolesClaim]).flatMap((name) => {
          const role = this.policy.roleMap[name] ?? name;
          return isRole(role) ? [role] : [];
        }),
      ),
    };
  }
}

function stringsOf(claim: unknown): string[] {
  if (typeof claim === "string") return claim.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(claim) ? claim.filter((item): item is string => typeof item === "string") : [];
}

/** Key errors that say something about the token itself; any other failure to get a key means the keys are unreadable. */
const TOKEN_KEY_ERRORS = [
  joseErrors.JWKSNoMatchingKey,
  joseErrors.JWKSMultipleMatchingKeys,
  joseErrors.JOSENotSupported,
  joseErrors.JOSEAlgNotAllowed,
];

function keysOrUnreadable(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (TOKEN_KEY_ERRORS.some((kind) => error instanceof kind)) throw error;
      throw new KeysUnreadable("identity provider keys unreadable", { cause: error });
    }
  };
}

/** How often an unknown key id may make the file be read again (a rotation copied with its old mtime). */
const FILE_RELOAD_COOLDOWN_MS = 5_000;

/**
 * A JWKS file, read at start (a wrong path fails the start, not the first official) and again when its
 * identity changes (modification time, size, inode: a rotation) or when a token names a key id the loaded
 * set lacks — at most every few seconds, since a copy that keeps the old mtime is otherwise invisible.
 */
function fileKeySet(file: string): JWTVerifyGetKey {
  const load = () => {
    const stat = statSync(file);
    return {
      identity: `${stat.mtimeMs}:${stat.size}:${stat.ino}`,
      at: Date.now(),
      keys: createLocalJWKSet(JSON.parse(readFileSync(file, "utf8")) as JSONWebKeySet),
    };
  };
  let loaded = load();
  return async (header, token) => {
    const stat = statSync(file);
    if (`${stat.mtimeMs}:${stat.size}:${stat.ino}` !== loaded.identity) loaded = load();
    try {
      return await loaded.keys(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - loaded.at < FILE_RELOAD_COOLDOWN_MS) {
        throw error;
      }
      loaded = load();
      return loaded.keys(header, token);
    }
  };
}
