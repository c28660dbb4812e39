import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from "jose";
import type { DevelopmentOfficial } from "./development-identities";

/**
 * The local identity provider of embedded mode (like the local test PKI): an
 * ES256 key made on first start in IDENTITY_DIR, whose tokens every service
 * sharing that directory accepts. `lienthong dev token` signs with it.
 * Production refuses it.
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

export async function openDevelopmentIssuer(directory: string): Promise<DevelopmentIssuer> {
  const stored = await loadOrCreate(path.join(directory, KEY_FILE));
  const privateKey = await importJWK(stored.privateJwk, "ES256");
  return {
    jwks: { keys: [{ ...stored.publicJwk, kid: stored.kid, alg: "ES256", use: "sig" }] },
    sign: async (official, options = {}) => {
      const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
      return new SignJWT({ roles: [...official.roles], lienthong_units: [...official.unitCodes], name: official.name })
        .setProtectedHeader({ alg: "ES256", kid: stored.kid, typ: "JWT" })
        .setIssuer(DEVELOPMENT_ISSUER)
        .setAudience(PLATFORM_AUDIENCE)
        .setSubject(official.subject)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + (options.ttlSeconds ?? 8 * 3600))
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
