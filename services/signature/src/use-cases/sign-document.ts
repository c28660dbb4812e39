import { createHash, randomUUID } from "node:crypto";
import { type FieldViolation, invalidArgument } from "@lienthong/errors";
import { signPdf } from "../documents";
import { put } from "@lienthong/storage";
import { documents, type DocumentRecord } from "../store/collections";
import type { SignaturePorts } from "./ports";

const MAX_PDF_BYTES = 20 * 1024 * 1024;

export interface SignDocumentInput {
  pdf: Uint8Array;
  signerId: string;
  reason?: string;
  location?: string;
}

/** Signs a PDF an official brings (not produced by a decision) and keeps it like any signed document. */
export async function signDocument(ports: SignaturePorts, input: SignDocumentInput) {
  const violations: FieldViolation[] = [];
  if (input.pdf.length === 0) violations.push({ field: "pdf", reason: "is required" });
  else if (input.pdf.length > MAX_PDF_BYTES)
    violations.push({ field: "pdf", reason: `must be at most ${MAX_PDF_BYTES} bytes` });
  else if (Buffer.from(input.pdf.subarray(0, 5)).toString("latin1") !== "%PDF-")
    violations.push({ field: "pdf", reason: "is not a PDF file" });
  const signer = ports.signers.signer(input.signerId);
  if (!signer) violations.push({ field: "signerId", reason: "has no signing certificate here" });
  if (violations.length > 0 || !signer) throw invalidArgument(violations);

  const signedAt = ports.now();
  const signed = await signPdf(input.pdf, signer, {
    reason: input.reason || "Ký số tài liệu",
    location: input.location || "Việt Nam",
    signedAt,
  });
  const documentId = randomUUID();
  await ports.files.write(documentId, signed);
  const record: DocumentRecord = {
    documentId,
    dossierId: "",
    dossierCode: "",
    sha256: createHash("sha256").update(signed).digest("hex"),
    signerSubject: signer.subject,
    signedAt: signedAt.toISOString(),
    sizeBytes: signed.length,
  };
  await ports.commit([put(documents, documentId, record, 0)]);
  return { record, signed };
}
