import { randomUUID } from "node:crypto";
import { type FieldViolation, invalidArgument } from "@lienthong/errors";
import { callerIds } from "@lienthong/service-host";
import { put } from "@lienthong/storage";
import { signPdf } from "../pdf/pades";
import type { SignerCredential } from "../pki/signing-key";
import { documents, type DocumentRecord } from "../store/collections";
import { authorizeSigner } from "./authorize-signer";
import type { SignaturePorts } from "./ports";
import { toSigningServiceError } from "./service-errors";
import { sha256Hex, signingEntry } from "./signing-audit";
import { MAX_PDF_BYTES } from "./limits";
import { levelOf, padesOptions } from "./signing-options";
import { signingAuthority, type SigningCaller } from "./tenancy";

export interface SignDocumentInput {
  pdf: Uint8Array;
  reason?: string;
  location?: string;
  /** B-B, B-T or B-LT; the configured level when absent. */
  level?: string;
  /** The unit the document is signed for; empty: the official's one unit the calling system acts for. */
  competentAuthorityCode?: string;
}

/**
 * Signs a PDF an official brings (not produced by a decision) with the key of
 * the official whose token the call carries, and keeps it like any signed
 * document, readable by the authority it was signed for. An already signed
 * PDF gets one more signature by incremental update (an officer, then a
 * leader): earlier signatures stay valid.
 */
export async function signDocument(ports: SignaturePorts, caller: SigningCaller, input: SignDocumentInput) {
  const violations: FieldViolation[] = [];
  if (input.pdf.length === 0) violations.push({ field: "pdf", reason: "is required" });
  else if (input.pdf.length > MAX_PDF_BYTES)
    violations.push({ field: "pdf", reason: `must be at most ${MAX_PDF_BYTES} bytes` });
  else if (Buffer.from(input.pdf.subarray(0, 5)).toString("latin1") !== "%PDF-")
    violations.push({ field: "pdf", reason: "is not a PDF file" });
  if (violations.length > 0) throw invalidArgument(violations);

  const authority = signingAuthority(ports, caller, "sign_document", input.competentAuthorityCode ?? "");
  const who = callerIds(caller);
  const signedAt = ports.now();
  let signed: Buffer;
  let credential: SignerCredential;
  try {
    const level = levelOf(ports, input.level);
    credential = await authorizeSigner(ports, {
      officialId: caller.official.subject,
      competentAuthority: authority,
      vouchedBy: "token",
    });
    signed = await signPdf(
      input.pdf,
      credential,
      padesOptions(ports, level, {
        reason: input.reason || "Ký số tài liệu",
        location: input.location || "Việt Nam",
        signedAt,
      }),
    );
  } catch (error) {
    const refusal = toSigningServiceError(error);
    const held = ports.signers.credential(caller.official.subject)?.certificate;
    ports.audit.decided(
      signingEntry("sign_document", who, { sha256: sha256Hex(input.pdf), authority, certificate: held }, refusal),
    );
    throw refusal;
  }
  const documentId = randomUUID();
  await ports.files.write(documentId, signed);
  const record: DocumentRecord = {
    documentId,
    dossierId: "",
    dossierCode: "",
    sha256: sha256Hex(signed),
    signerSubject: credential.subject,
    signedAt: signedAt.toISOString(),
    sizeBytes: signed.length,
    receivingUnitCode: "",
    competentAuthorityCode: authority.code,
  };
  await ports.commit([
    put(documents, documentId, record, 0),
    ports.audit.record(
      signingEntry("sign_document", who, {
        documentId,
        sha256: record.sha256,
        authority,
        certificate: credential.certificate,
      }),
    ),
  ]);
  return { record, signed };
}
