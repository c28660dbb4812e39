import { createHash } from "node:crypto";
import { EventTypes, Topics, common, encodeEvent, events } from "@lienthong/contracts";
import { outboxWrites, type DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { renderResultDocument, signPdf } from "../documents";
import { Collections, type DocumentRecord } from "../store/collections";
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
export async function signResult(ports: SignaturePorts, event: DeliveredEvent): Promise<WriteOp[]> {
  const request = events.SignatureRequested.decode(event.data);
  const documentId = request.requestId;
  if (await ports.store.get(Collections.documents, documentId)) return [];

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
    { kind: "put", collection: Collections.documents, id: documentId, data: record, expectedVersion: 0 },
    ...outboxWrites([
      {
        topic: Topics.signature,
        key: request.dossierId,
        type: EventTypes.documentSigned.type,
        data: encodeEvent("documentSigned", {
          ...ids,
          signedAt: record.signedAt,
          documentId,
          sha256: record.sha256,
          signerSubject: record.signerSubject,
          downloadPath: downloadPathOf(documentId),
        }),
      },
    ]),
  ];
}

function signatureFailed(ports: SignaturePorts, request: events.SignatureRequested, reason: string): WriteOp[] {
  return outboxWrites([
    {
      topic: Topics.signature,
      key: request.dossierId,
      type: EventTypes.signatureFailed.type,
      data: encodeEvent("signatureFailed", {
        dossierId: request.dossierId,
        dossierCode: request.dossierCode,
        requestId: request.requestId,
        failedAt: ports.now().toISOString(),
        reason,
      }),
    },
  ]);
}
