import * as pkijs from "pkijs";
import { certificateDer, type SignerCertificates } from "./signed-data";
import { sameName, type RevocationSource } from "../pki/revocation";
import { SigningError } from "../pki/errors";
import type { TimestampAuthority } from "./timestamp";

/** What a verifier needs years later without asking anyone: certificates and revocation data (PAdES B-LT). */
export interface ValidationData {
  certificates: Buffer[];
  crls: Buffer[];
}

/**
 * The signer's chain and the TSA's, and for each certificate below a CA the
 * current revocation data of its issuer. A certificate whose status cannot be
 * established fails B-LT: the level promises that the data is there.
 */
export async function collectValidationData(
  signer: SignerCertificates,
  timestamp: { token: Uint8Array; authority: TimestampAuthority } | undefined,
  revocation: RevocationSource,
  at: Date,
): Promise<ValidationData> {
  const tsaCertificates = timestamp ? (timestamp.authority.certificates ?? certificatesOfToken(timestamp.token)) : [];
  const pool = [signer.certificate, ...signer.chain, ...tsaCertificates];
  const unique = new Map(pool.map((certificate) => [certificateDer(certificate).toString("hex"), certificate]));
  const certificates = [...unique.values()];
  const crls = new Map<string, Buffer>();
  for (const certificate of certificates) {
    if (sameName(certificate.issuer, certificate.subject)) continue;
    const issuer = certificates.find((candidate) => sameName(candidate.subject, certificate.issuer));
    if (issuer === undefined) continue;
    const status = await revocation.status(certificate, issuer, at);
    if (status.state === "unknown" || status.evidence === undefined) {
      throw new SigningError("REVOCATION_UNKNOWN", "no current revocation data for a certificate of the chain");
    }
    crls.set(status.evidence.toString("hex"), status.evidence);
  }
  return { certificates: certificates.map(certificateDer), crls: [...crls.values()] };
}

function certificatesOfToken(token: Uint8Array): pkijs.Certificate[] {
  const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(token).content });
  return (signedData.certificates ?? []).filter(
    (entry): entry is pkijs.Certificate => entry instanceof pkijs.Certificate,
  );
}
