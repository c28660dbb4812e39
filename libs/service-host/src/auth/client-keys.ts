import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys of commune systems and the portal: `ltk.<key id>.<secret>`, the
 * secret 32 random bytes. Only a salted SHA-256 of the secret is stored:
 * stretching (scrypt, argon2) protects guessable passwords, while a 256-bit
 * random secret cannot be guessed, and a fast hash lets every request be
 * checked without a cache of plaintexts. The key id finds the stored hash, so
 * two keys of one client can be valid at once (rotation).
 */
export interface StoredKey {
  id: string;
  /** base64 */
  salt: string;
  /** hex SHA-256 of salt ‖ secret */
  sha256: string;
}

const KEY_PATTERN = /^ltk\.([a-z0-9]{4,32})\.([A-Za-z0-9_-]{32,128})$/;
export const KEY_ID_PATTERN = /^[a-z0-9]{4,32}$/;

export interface PresentedKey {
  id: string;
  secret: string;
}

/** The parts of a presented key, or undefined when it is not shaped like one. */
export function parseKey(presented: string): PresentedKey | undefined {
  const match = KEY_PATTERN.exec(presented);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

export function hashSecret(secret: string, salt: Buffer): string {
  return createHash("sha256").update(salt).update(secret, "utf8").digest("hex");
}

export function secretMatches(stored: StoredKey, secret: string): boolean {
  const expected = Buffer.from(stored.sha256, "hex");
  const actual = Buffer.from(hashSecret(secret, Buffer.from(stored.salt, "base64")), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A new key: what to hand to the commune system once, and what to store. */
export function newKey(id = randomBytes(6).toString("hex")): { key: string; stored: StoredKey } {
  const secret = randomBytes(32).toString("base64url");
  return { key: `ltk.${id}.${secret}`, stored: storedKeyOf(id, secret) };
}

export function storedKeyOf(id: string, secret: string, salt: Buffer = randomBytes(16)): StoredKey {
  return { id, salt: salt.toString("base64"), sha256: hashSecret(secret, salt) };
}
