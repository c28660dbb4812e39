import { createHash } from "node:crypto";
import { common, lifecycleEvent, type events } from "@lienthong/contracts";
import { outboxWrites } from "@lienthong/messaging";
import { put, type WriteOp } from "@lienthong/storage";
import { renderAndSignResult } from "../pdf/pades";
import { SigningError } from "../pki/errors";
import { documents, type DocumentRecord } from "../store/collections";
import { authorizeSigner } from "./authorize-signer";
import type { SignaturePorts } from "./ports";
import { failureReason, levelOf, padesOptions } from "./signing-options";

/** Where commune systems and citizens download a signed result, relative to this service. */
export function downloadPathOf(documentId: string): string {
  return `/v1/documents/${documentId}`;
}

/**
 * Produces the result document of a decision and signs it with the deciding
 * official's key, after the certificate and authorization checks. Re-delivery
 * of the same request reuses the document id, so a duplicate event can never
 * produce a second, different result. A refusal (expired, revoked, not
 * authorized) is a signatureFailed event with the reason and no document; a
 * failure that may heal (TSA or signing hook out of reach) is retried.
 */
export async function signResult(ports: SignaturePorts, request: events.SignatureRequested): Promise<WriteOp[]> {
  const documentId = request.requestId;
  if (await ports.store.get(documents, documentId)) return [];

  const ids = { dossierId: request.dossierId, dossierCode: request.dossierCode, requestId: request.requestId };
  const signedAt = ports.now();
  const authority = request.competentAuthority;
  let signed: Buffer;
  let signerSubject: string;
  try {
    const level = levelOf(ports, undefined);
    const credential = await authorizeSigner(ports, {
      officialId: request.officialId,
      ...(authority?.code ? { competentAuthority: { code: authority.code, name: authority.name } } : {}),
    });
    signerSubject = credential.subject;
    signed = await renderAndSignResult(
      {
        dossierCode: request.dossierCode,
        procedureName: request.procedureName,
        authorityName: authority?.name ?? "",
        applicantFullName: request.applicantFullName,
        approved: request.outcome === common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
        summary: request.summary,
        decidedAt: signedAt,
        officialId: request.officialId,
        trackingUrl: ports.trackingUrl(request.dossierCode),
      },
      credential,
      padesOptions(ports, level, {
        reason: `Kết quả giải quyết hồ sơ ${request.dossierCode}`,
        location: authority?.name || "Việt Nam",
        signedAt,
      }),
    );
  } catch (error) {
    if (error instanceof SigningError && !error.retriable) return signatureFailed(ports, request, failureReason(error));
    throw error;
  }
  await ports.files.write(documentId, signed);

  const record: DocumentRecord = {
    documentId,
    dossierId: request.dossierId,
    dossierCode: request.dossierCode,
    sha256: createHash("sha256").update(signed).digest("hex"),
    signerSubject,
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
