import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from "jose";
import type { DevelopmentOfficial } from "./development-identities";

/**
 * The local identity provider of embedded mode (like the local test PKI): an
 * ES256 key made on first start in IDENTITY_DIR, whose tokens every service
 * sharing that directory accepts. `lienthong dev token` signs with it.
 * Production refuses it under its own name; a stack without an identity
 * provider yet (compose) runs the same kind of key under another issuer name,
 * given to the services as OIDC_ISSUER with its public key set.
 */
export const DEVELOPMENT_ISSUER = "urn:lienthong:development-issuer";
export const PLATFORM_AUDIENCE = "lienthong";
const KEY_FILE = "development-issuer.json";

interface StoredIssuer {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface DevelopmentIssuer {
  jwks: JSONWebKeySet;
  /** A token for a sample official, valid for `ttlSeconds` (default 8 hours, a working day). */
  sign(official: DevelopmentOfficial, options?: { ttlSeconds?: number; now?: Date }): Promise<string>;
}

export interface IssuerOptions {
  /** The `iss` of its tokens (default the development issuer). */
  issuer?: string;
  /** Refuse to make a key when the directory has none (default: make it). */
  existing?: boolean;
}

export async function openDevelopmentIssuer(
  directory: string,
  options: IssuerOptions = {},
): Promise<DevelopmentIssuer> {
  const file = path.join(directory, KEY_FILE);
  if (options.existing && !existsSync(file)) {
    throw new Error(`no issuer key at ${file}: is this the issuer's directory?`);
  }
  const stored = await loadOrCreate(file);
  const issuer = options.issuer ?? DEVELOPMENT_ISSUER;
  const privateKey = await importJWK(stored.privateJwk, "ES256");
  return {
    jwks: { keys: [{ ...stored.publicJwk, kid: stored.kid, alg: "ES256", use: "sig" }] },
    sign: async (official, signing = {}) => {
      const now = Math.floor((signing.now ?? new Date()).getTime() / 1000);
      return new SignJWT({ roles: [...official.roles], lienthong_units: [...official.unitCodes], name: official.name })
        .setProtectedHeader({ alg: "ES256", kid: stored.kid, typ: "JWT" })
        .setIssuer(issuer)
        .setAudience(PLATFORM_AUDIENCE)
        .setSubject(official.subject)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + (signing.ttlSeconds ?? 8 * 3600))
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}

/** Created once; every process sharing the directory reads the same key (the first writer wins a race). */
async function loadOrCreate(file: string): Promise<StoredIssuer> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StoredIssuer;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const created: StoredIssuer = {
    kid: `dev-${randomUUID().slice(0, 8)}`,
    privateJwk: await exportJWK(privateKey),
    publicJwk: await exportJWK(publicKey),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, JSON.stringify(created), { flag: "wx", mode: 0o600 });
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return JSON.parse(readFileSync(file, "utf8")) as StoredIssuer;
  }
}
