import { createHash, randomUUID } from "node:crypto";
import { type FieldViolation, invalidArgument } from "@lienthong/errors";
import { put } from "@lienthong/storage";
import { signPdf } from "../pdf/pades";
import { documents, type DocumentRecord } from "../store/collections";
import { authorizeSigner, type CompetentAuthority } from "./authorize-signer";
import type { SignaturePorts } from "./ports";
import { toSigningServiceError } from "./service-errors";
import { levelOf, padesOptions } from "./signing-options";

const MAX_PDF_BYTES = 20 * 1024 * 1024;

export interface SignDocumentInput {
  pdf: Uint8Array;
  signerId: string;
  reason?: string;
  location?: string;
  /** B-B, B-T or B-LT; the configured level when absent. */
  level?: string;
  competentAuthority?: CompetentAuthority;
}

/**
 * Signs a PDF an official brings (not produced by a decision) and keeps it
 * like any signed document. An already signed PDF gets one more signature by
 * incremental update (an officer, then a leader): earlier signatures stay valid.
 */
export async function signDocument(ports: SignaturePorts, input: SignDocumentInput) {
  const violations: FieldViolation[] = [];
  if (input.pdf.length === 0) violations.push({ field: "pdf", reason: "is required" });
  else if (input.pdf.length > MAX_PDF_BYTES)
    violations.push({ field: "pdf", reason: `must be at most ${MAX_PDF_BYTES} bytes` });
  else if (Buffer.from(input.pdf.subarray(0, 5)).toString("latin1") !== "%PDF-")
    violations.push({ field: "pdf", reason: "is not a PDF file" });
  if (!input.signerId) violations.push({ field: "signerId", reason: "is required" });
  if (violations.length > 0) throw invalidArgument(violations);

  const signedAt = ports.now();
  let signed: Buffer;
  let signerSubject: string;
  try {
    const level = levelOf(ports, input.level);
    const credential = await authorizeSigner(ports, {
      officialId: input.signerId,
      ...(input.competentAuthority ? { competentAuthority: input.competentAuthority } : {}),
    });
    signerSubject = credential.subject;
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
    throw toSigningServiceError(error);
  }
  const documentId = randomUUID();
  await ports.files.write(documentId, signed);
  const record: DocumentRecord = {
    documentId,
    dossierId: "",
    dossierCode: "",
    sha256: createHash("sha256").update(signed).digest("hex"),
    signerSubject,
    signedAt: signedAt.toISOString(),
    sizeBytes: signed.length,
  };
  await ports.commit([put(documents, documentId, record, 0)]);
  return { record, signed };
}
