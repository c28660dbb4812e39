import { createHash } from "node:crypto";
import { SigningError } from "../pki/errors";
import type { RevocationSource } from "../pki/revocation";
import type { SigningKey } from "../pki/signing-key";
import { collectValidationData } from "./validation-data";
import { evaluateSignature, type TrustContext } from "../verification/evaluate";
import { documentReport, type VerificationReport } from "../verification/report";
import { completeCadesSignature, prepareCadesSignature, type SignerCertificates } from "./signed-data";
import type { TimestampAuthority } from "./timestamp";

export type CadesLevel = "B-B" | "B-T" | "B-LT";

export interface CadesOptions {
  level: CadesLevel;
  timestampAuthority?: TimestampAuthority;
  revocation?: RevocationSource;
  /** When the validation data must be current (B-LT). */
  at: Date;
}

/**
 * A detached CAdES signature (.p7s) over any file (ETSI EN 319 122-1
 * baseline): the same signed attributes as the PDF signatures, a timestamp
 * over the signature value from B-T, and from B-LT the certificates and CRLs a
 * verifier needs inside the SignedData.
 */
export async function signDetached(
  content: Uint8Array,
  signer: SignerCertificates & { key: SigningKey },
  options: CadesOptions,
): Promise<Buffer> {
  const { algorithm } = signer.key;
  const prepared = prepareCadesSignature({
    signer,
    algorithm,
    contentDigest: createHash(algorithm.digest).update(content).digest(),
  });
  const signatureValue = await signer.key.sign(prepared.dataToSign);
  if (options.level === "B-B") return completeCadesSignature(prepared, signatureValue);
  if (options.timestampAuthority === undefined) {
    throw new SigningError("TIMESTAMP_FAILED", `level ${options.level} needs a time-stamping authority`);
  }
  const token = await options.timestampAuthority.timestamp({
    digest: algorithm.digest,
    hash: createHash(algorithm.digest).update(signatureValue).digest(),
  });
  if (options.level === "B-T") return completeCadesSignature(prepared, signatureValue, { signatureTimestamp: token });
  if (options.revocation === undefined)
    throw new SigningError("REVOCATION_UNKNOWN", "level B-LT needs a revocation source");
  const validationData = await collectValidationData(
    signer,
    { token, authority: options.timestampAuthority },
    options.revocation,
    options.at,
  );
  return completeCadesSignature(prepared, signatureValue, { signatureTimestamp: token, validationData });
}

/** Verifies a detached CAdES signature over `content`, with the same verdicts as a PDF signature. */
export async function verifyDetached(
  signature: Uint8Array,
  content: Uint8Array,
  context: TrustContext,
): Promise<VerificationReport> {
  const report = await evaluateSignature(
    { index: 1, format: "CAdES", cms: signature, content: () => Buffer.from(content) },
    context,
  );
  return documentReport([report]);
}
