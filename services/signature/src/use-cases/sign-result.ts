import { createHash } from "node:crypto";
import { common, lifecycleEvent, type events } from "@lienthong/contracts";
import { outboxWrites } from "@lienthong/messaging";
import { put, type WriteOp } from "@lienthong/storage";
import { renderResultDocument, signPdf } from "../documents";
import { documents, type DocumentRecord } from "../store/collections";
import type { SignaturePorts } from "./ports";

/** Where commune systems and citizens download a signed result, relative to this service. */
export function downloadPathOf(documentId: string): string {
  return `/v1/documents/${documentId}`;
}

/**
 * Produces the result document of a decision and signs it with the deciding
 * official's key. Re-delivery of the same request reuses the document id, so a
 * duplicate event can never produce a second, different result.
 */
export async function signResult(ports: SignaturePorts, request: events.SignatureRequested): Promise<WriteOp[]> {
  const documentId = request.requestId;
  if (await ports.store.get(documents, documentId)) return [];

  const ids = { dossierId: request.dossierId, dossierCode: request.dossierCode, requestId: request.requestId };
  const signer = ports.signers.signer(request.officialId);
  if (!signer) return signatureFailed(ports, request, `Không có chứng thư số cho cán bộ ${request.officialId}`);

  const signedAt = ports.now();
  const pdf = await renderResultDocument({
    dossierCode: request.dossierCode,
    procedureName: request.procedureName,
    authorityName: request.competentAuthority?.name ?? "",
    applicantFullName: request.applicantFullName,
    approved: request.outcome === common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
    summary: request.summary,
    decidedAt: signedAt,
    officialId: request.officialId,
  });
  const signed = await signPdf(pdf, signer, {
    reason: `Kết quả giải quyết hồ sơ ${request.dossierCode}`,
    location: request.competentAuthority?.name ?? "Việt Nam",
    signedAt,
  });
  await ports.files.write(documentId, signed);

  const record: DocumentRecord = {
    documentId,
    dossierId: request.dossierId,
    dossierCode: request.dossierCode,
    sha256: createHash("sha256").update(signed).digest("hex"),
    signerSubject: signer.subject,
    signedAt: signedAt.toISOString(),
    sizeBytes: signed.length,
  };
  return [
    put(documents, documentId, record, 0),
    ...outboxWrites([
      lifecycleEvent("documentSigned", {
        ...ids,
        signedAt: record.signedAt,
        documentId,
        sha256: record.sha256,
        signerSubject: record.signerSubject,
        downloadPath: downloadPathOf(documentId),
      }),
    ]),
  ];
}

function signatureFailed(ports: SignaturePorts, request: events.SignatureRequested, reason: string): WriteOp[] {
  return outboxWrites([
    lifecycleEvent("signatureFailed", {
      dossierId: request.dossierId,
      dossierCode: request.dossierCode,
      requestId: request.requestId,
      failedAt: ports.now().toISOString(),
      reason,
    }),
  ]);
}
