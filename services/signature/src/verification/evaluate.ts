import type * as pkijs from "pkijs";
import type { DigestAlgorithm } from "../cades/algorithms";
import { checkTimestamp, inspectCms, MalformedSignature, type CmsInspection } from "../cades/inspect";
import { serialHex, toX509 } from "../pki/certificates";
import { commonName, formatDistinguishedName } from "../pki/distinguished-name";
import type { RevocationSource } from "../pki/revocation";
import { allowsSigning, buildPath, outOfValidity, pathRevocation, type PathRevocation } from "./chain";
import { messages, REASONS, type CertificateInfo, type SignatureReport, type VerificationReason } from "./report";

/** What verification trusts: the configured anchors (e.g. the national root) and where revocation is asked. */
export interface TrustContext {
  anchors: readonly pkijs.Certificate[];
  revocation?: RevocationSource;
  now(): Date;
}

/** One signature and what its container (PDF, detached file) knows about it. */
export interface SignatureUnderTest {
  index: number;
  format: string;
  cms: Uint8Array;
  /** The bytes the signature covers, for a digest algorithm. */
  content(digest: DigestAlgorithm): Buffer;
  /** The time the signer claims (/M of a PDF signature). */
  claimedTime?: Date;
  coversWholeDocument?: boolean;
  changedAfterSigning?: boolean;
  /** Validation data of the document (PAdES DSS). */
  documentCertificates?: readonly pkijs.Certificate[];
  documentCrls?: readonly Buffer[];
}

/**
 * One signature's verdict after ETSI EN 319 102-1's building blocks, reduced
 * to what the platform needs: format, integrity, signer identification,
 * timestamp, chain to the anchors, validity at the signing time, revocation.
 * Every check runs even after a failure, so a tampered document still reports
 * whether its chain is trusted.
 */
export async function evaluateSignature(
  signature: SignatureUnderTest,
  context: TrustContext,
): Promise<SignatureReport> {
  const base = {
    index: signature.index,
    format: signature.format,
    integrity: {
      intact: false,
      ...(signature.coversWholeDocument !== undefined ? { coversWholeDocument: signature.coversWholeDocument } : {}),
      ...(signature.changedAfterSigning !== undefined ? { changedAfterSigning: signature.changedAfterSigning } : {}),
    },
  };
  let inspection: CmsInspection;
  try {
    inspection = inspectCms(signature.cms, (digest) => signature.content(digest));
  } catch (error) {
    if (!(error instanceof MalformedSignature)) throw error;
    const text = messages("FORMAT_FAILURE", { signer: "", issuer: "" });
    return {
      ...base,
      indication: "INDETERMINATE",
      reason: "FORMAT_FAILURE",
      signingTimeSource: "none",
      chain: { trusted: false, path: [] },
      revocation: { status: "unknown" },
      messageVi: text.vi,
      messageEn: text.en,
    };
  }
  const reasons = new Set<VerificationReason>();
  if (inspection.digest === undefined) reasons.add("WEAK_ALGORITHM");
  if (!inspection.digestMatches) reasons.add("HASH_FAILURE");
  if (!inspection.signatureValid) reasons.add("SIG_CRYPTO_FAILURE");
  if (signature.changedAfterSigning) reasons.add("CHANGED_AFTER_SIGNING");
  if (inspection.signingCertificate === "mismatch") reasons.add("SIGNING_CERTIFICATE_MISMATCH");

  const pool = [...inspection.certificates, ...(signature.documentCertificates ?? [])];
  const crls = [...inspection.crls, ...(signature.documentCrls ?? [])];
  const now = context.now();

  let timestamp: SignatureReport["timestamp"];
  let trustedTime: Date | undefined;
  if (inspection.timestampToken) {
    const check = checkTimestamp(inspection.timestampToken, inspection.signatureValue);
    const tsaPath = check.tsa ? buildPath(check.tsa, [...check.certificates, ...pool], context.anchors) : undefined;
    const valid =
      check.valid &&
      tsaPath?.anchored === true &&
      check.genTime !== undefined &&
      outOfValidity(tsaPath, check.genTime) === undefined;
    timestamp = {
      valid,
      ...(check.genTime ? { time: check.genTime } : {}),
      ...(check.tsa
        ? { authority: commonName(toX509(check.tsa).subject) ?? formatDistinguishedName(toX509(check.tsa).subject) }
        : {}),
    };
    if (valid) trustedTime = check.genTime;
    else reasons.add("TIMESTAMP_INVALID");
  }
  const signingTime = trustedTime ?? signature.claimedTime ?? inspection.signingTimeAttribute;

  const signer = inspection.signer;
  const path = signer ? buildPath(signer, pool, context.anchors) : undefined;
  if (!path?.anchored) reasons.add("NO_CERTIFICATE_CHAIN_FOUND");
  const expired = path ? outOfValidity(path, signingTime ?? now) : undefined;
  if (expired) reasons.add("OUT_OF_BOUNDS");
  if (signer && !allowsSigning(signer)) reasons.add("KEY_USAGE_NOT_ALLOWED");

  let revocation: PathRevocation = { status: "unknown" };
  if (path?.anchored) {
    revocation = await pathRevocation(path, crls, context.revocation, now);
    if (revocation.status === "unknown") reasons.add("REVOCATION_UNKNOWN");
    if (revocation.status === "revoked") {
      const revokedAt = revocation.revokedAt ?? now;
      if (signingTime === undefined || revokedAt <= signingTime) reasons.add("REVOKED");
      // Revoked after the signature was made: only a trusted time shows the signature came first.
      else if (trustedTime === undefined) reasons.add("REVOKED_NO_POE");
    }
  }

  const reason = REASONS.find(([candidate]) => reasons.has(candidate));
  const signerInfo = signer ? certificateInfo(signer) : undefined;
  const text = messages(reason?.[0], {
    signer: signerInfo?.commonName ?? signerInfo?.subject ?? "người ký",
    issuer: signer ? (commonName(toX509(signer).issuer) ?? formatDistinguishedName(toX509(signer).issuer)) : "",
    ...(signingTime ? { signingTime } : {}),
    ...(revocation.revokedAt ? { revokedAt: revocation.revokedAt } : {}),
    ...(expired
      ? {
          outOfBounds: {
            name: commonName(toX509(expired).subject) ?? formatDistinguishedName(toX509(expired).subject),
            from: expired.notBefore.value,
            to: expired.notAfter.value,
          },
        }
      : {}),
  });
  return {
    ...base,
    indication: reason?.[1] ?? "TOTAL_PASSED",
    ...(reason ? { reason: reason[0] } : {}),
    level: timestamp === undefined ? "B-B" : revocation.source === "document" ? "B-LT" : "B-T",
    ...(signerInfo ? { signer: signerInfo } : {}),
    ...(signingTime ? { signingTime } : {}),
    signingTimeSource: trustedTime ? "timestamp" : signingTime ? "claimed" : "none",
    algorithm: inspection.algorithm,
    algorithmApproved: inspection.approvedAlgorithm,
    integrity: { ...base.integrity, intact: inspection.digestMatches && inspection.signatureValid },
    chain: {
      trusted: path?.anchored === true,
      path: path?.certificates.map((certificate) => formatDistinguishedName(toX509(certificate).subject)) ?? [],
    },
    revocation: {
      status: revocation.status,
      ...(revocation.revokedAt ? { revokedAt: revocation.revokedAt } : {}),
      ...(revocation.source ? { source: revocation.source } : {}),
    },
    ...(timestamp ? { timestamp } : {}),
    messageVi: text.vi,
    messageEn: text.en,
  };
}

function certificateInfo(certificate: pkijs.Certificate): CertificateInfo {
  const x509 = toX509(certificate);
  const name = commonName(x509.subject);
  return {
    subject: formatDistinguishedName(x509.subject),
    issuer: formatDistinguishedName(x509.issuer),
    serialNumber: serialHex(certificate),
    ...(name ? { commonName: name } : {}),
  };
}
