import type * as pkijs from "pkijs";
import { keyUsageOf, toX509 } from "../pki/certificates";
import { certificateDer } from "../cades/signed-data";
import { CrlRevocationSource, sameName, type RevocationSource, type RevocationStatus } from "../pki/revocation";

const MAX_PATH = 8;

/** A certification path from a certificate up to a trust anchor, when one exists. */
export interface CertificationPath {
  /** The certificate first, the anchor last when `anchored`. */
  certificates: pkijs.Certificate[];
  anchored: boolean;
}

/**
 * Builds the path through `pool` (certificates carried by the signature or the
 * document) to one of `anchors`; each step is checked with node:crypto (the
 * issuer's key verifies the certificate).
 */
export function buildPath(
  leaf: pkijs.Certificate,
  pool: readonly pkijs.Certificate[],
  anchors: readonly pkijs.Certificate[],
): CertificationPath {
  const certificates = [leaf];
  let current = leaf;
  while (certificates.length <= MAX_PATH) {
    const currentDer = certificateDer(current);
    if (anchors.some((anchor) => certificateDer(anchor).equals(currentDer))) return { certificates, anchored: true };
    const issuer = [...anchors, ...pool].find(
      (candidate) => !certificates.includes(candidate) && issuedBy(current, candidate),
    );
    if (issuer === undefined) return { certificates, anchored: false };
    certificates.push(issuer);
    current = issuer;
  }
  return { certificates, anchored: false };
}

// Whether one certificate signed another never changes: checked once per pair, not at every signature.
const issuedPairs = new WeakMap<pkijs.Certificate, WeakMap<pkijs.Certificate, boolean>>();

function issuedBy(certificate: pkijs.Certificate, issuer: pkijs.Certificate): boolean {
  let byIssuer = issuedPairs.get(certificate);
  if (byIssuer === undefined) {
    byIssuer = new WeakMap();
    issuedPairs.set(certificate, byIssuer);
  }
  let issued = byIssuer.get(issuer);
  if (issued === undefined) {
    issued = sameName(certificate.issuer, issuer.subject) && signatureVerifies(certificate, issuer);
    byIssuer.set(issuer, issued);
  }
  return issued;
}

function signatureVerifies(certificate: pkijs.Certificate, issuer: pkijs.Certificate): boolean {
  try {
    return toX509(certificate).verify(toX509(issuer).publicKey);
  } catch {
    return false;
  }
}

/** The first certificate of the path not valid at `at`, if any. */
export function outOfValidity(path: CertificationPath, at: Date): pkijs.Certificate | undefined {
  return path.certificates.find((certificate) => at < certificate.notBefore.value || at > certificate.notAfter.value);
}

/** A signer certificate must allow digital signatures or non-repudiation (content commitment). */
export function allowsSigning(certificate: pkijs.Certificate): boolean {
  const usage = keyUsageOf(certificate);
  return usage === undefined || usage.has("digitalSignature") || usage.has("nonRepudiation");
}

/** The revocation status of every certificate under the anchor, most severe first. */
export interface PathRevocation {
  status: RevocationStatus["state"];
  revokedAt?: Date;
  /** Where the answer came from: CRLs inside the document (B-LT) or the configured revocation source. */
  source?: "document" | "service";
}

/**
 * Status of each non-anchor certificate of the path, now: from the CRLs the
 * document carries, else from the configured source. Revoked wins over good,
 * good over unknown.
 */
export async function pathRevocation(
  path: CertificationPath,
  documentCrls: readonly Buffer[],
  service: RevocationSource | undefined,
  at: Date,
): Promise<PathRevocation> {
  const fromDocument = new CrlRevocationSource(() => documentCrls);
  let worst: PathRevocation = { status: "good" };
  const checked = path.anchored ? path.certificates.slice(0, -1) : path.certificates;
  if (checked.length === 0) return worst;
  for (const [index, certificate] of checked.entries()) {
    const issuer = path.certificates[index + 1];
    if (issuer === undefined) return { status: "unknown" };
    const inDocument = await fromDocument.status(certificate, issuer, at);
    const answer: PathRevocation =
      inDocument.state !== "unknown"
        ? {
            status: inDocument.state,
            source: "document",
            ...(inDocument.revokedAt ? { revokedAt: inDocument.revokedAt } : {}),
          }
        : await fromService(service, certificate, issuer, at);
    if (answer.status === "revoked") return answer;
    if (answer.status === "unknown") worst = answer;
    else if (worst.status === "good" && worst.source === undefined) worst = answer;
  }
  return worst;
}

async function fromService(
  service: RevocationSource | undefined,
  certificate: pkijs.Certificate,
  issuer: pkijs.Certificate,
  at: Date,
): Promise<PathRevocation> {
  if (service === undefined) return { status: "unknown" };
  const status = await service.status(certificate, issuer, at);
  return { status: status.state, source: "service", ...(status.revokedAt ? { revokedAt: status.revokedAt } : {}) };
}
