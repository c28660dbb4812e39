import type * as pkijs from "pkijs";
import { OID } from "../cades/oids";
import { buildPath, outOfValidity, pathRevocation } from "../verification/chain";
import { extendedKeyUsageOf, keyUsageOf, toX509 } from "./certificates";
import { SigningError } from "./errors";
import type { RevocationSource } from "./revocation";
import type { SignerCredential } from "./signing-key";

// Purposes under which a certificate may sign documents; without the extension any purpose is allowed.
const SIGNING_PURPOSES: ReadonlySet<string> = new Set([
  OID.documentSigning,
  OID.emailProtection,
  "2.5.29.37.0", // anyExtendedKeyUsage
  "1.3.6.1.4.1.311.10.3.12", // Microsoft document signing
  "1.2.840.113583.1.1.5", // Adobe Authentic Documents Trust
]);

/**
 * Circular 15/2025/TT-BKHCN asks that the certificate be checked before every
 * signature: valid now (and its CAs), issued for signing, chaining to a trust
 * anchor, and not revoked (an unknown status is refused too). Throws a
 * SigningError with a stable code; nothing is signed after a refusal.
 */
export async function checkSignerCertificate(
  credential: SignerCredential,
  trust: { anchors: readonly pkijs.Certificate[]; revocation: RevocationSource },
  at: Date,
): Promise<void> {
  const { certificate } = credential;
  const path = buildPath(certificate, credential.chain, trust.anchors);
  const invalid = outOfValidity(path, at);
  if (invalid !== undefined) {
    const notYet = at < invalid.notBefore.value;
    throw new SigningError(
      notYet ? "CERTIFICATE_NOT_YET_VALID" : "CERTIFICATE_EXPIRED",
      `${invalid === certificate ? "the signer's certificate" : "a CA certificate of the signer's chain"} ` +
        `${notYet ? "is not valid before" : "expired on"} ${(notYet ? invalid.notBefore.value : invalid.notAfter.value).toISOString()}`,
    );
  }
  const usage = keyUsageOf(certificate);
  const purposes = extendedKeyUsageOf(certificate);
  if (
    (usage !== undefined && !usage.has("digitalSignature") && !usage.has("nonRepudiation")) ||
    (purposes !== undefined && !purposes.some((purpose) => SIGNING_PURPOSES.has(purpose)))
  ) {
    throw new SigningError("KEY_USAGE_NOT_ALLOWED", "the signer's certificate is not issued for digital signatures");
  }
  if (!path.anchored) {
    throw new SigningError("UNTRUSTED_SIGNER", "the signer's certificate does not chain to a configured trust anchor");
  }
  const revocation = await pathRevocation(path, [], trust.revocation, at);
  if (revocation.status === "revoked") {
    throw new SigningError(
      "CERTIFICATE_REVOKED",
      `the signer's certificate (or a CA above it) was revoked${revocation.revokedAt ? ` on ${revocation.revokedAt.toISOString()}` : ""}`,
    );
  }
  if (revocation.status === "unknown") {
    throw new SigningError(
      "REVOCATION_UNKNOWN",
      "the revocation status of the signer's certificate cannot be established",
    );
  }
}

/** The staff id a certificate names (RFC 4519 uid), when it names one. */
export function officialIdOf(certificate: pkijs.Certificate): string | undefined {
  const line = toX509(certificate)
    .subject.split("\n")
    .find((part) => part.startsWith("UID="));
  return line?.slice("UID=".length);
}
