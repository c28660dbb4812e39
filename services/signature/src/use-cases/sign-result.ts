import { common, lifecycleEvent, type events } from "@lienthong/contracts";
import { isRetriable, loggableError, unavailable } from "@lienthong/errors";
import { outboxWrites } from "@lienthong/messaging";
import { put, type WriteOp } from "@lienthong/storage";
import { renderAndSignResult } from "../pdf/pades";
import { SigningError } from "../pki/errors";
import { documents, type DocumentRecord } from "../store/collections";
import { isDocumentId } from "../store/document-files";
import { authorizeSigner, type CompetentAuthority } from "./authorize-signer";
import type { SignaturePorts } from "./ports";
import { failureReason, toSigningServiceError } from "./service-errors";
import { sha256Hex, signingEntry, type SignedThing } from "./signing-audit";
import { levelOf, padesOptions } from "./signing-options";
import { receivingUnitOf } from "./tenancy";

/** Where commune systems and citizens download a signed result, relative to this service. */
export function downloadPathOf(documentId: string): string {
  return `/v1/documents/${documentId}`;
}

/**
 * Produces the result document of a decision and signs it with the deciding
 * official's key (routing names the leader whose token decided), after the
 * authorization and certificate checks. Re-delivery of the same request
 * reuses the document id, so a duplicate event can never produce a second,
 * different result.
 *
 * Every request gets an outcome, so the dossier never waits for nothing: a
 * failure that may heal (TSA or signing hook out of reach) is retried by the
 * consumer; anything else — no key, not a leader of the authority, an
 * expired certificate, a notice that cannot be rendered, even a defect — is a
 * signatureFailed event with a reason and no document, and routing gives the
 * dossier back to its officials. The audit entry, done or refused, is
 * committed with the outcome.
 */
export async function signResult(ports: SignaturePorts, request: events.SignatureRequested): Promise<WriteOp[]> {
  const documentId = request.requestId;
  if (isDocumentId(documentId) && (await ports.store.get(documents, documentId))) return [];

  const authority: CompetentAuthority = {
    code: request.competentAuthority?.code ?? "",
    name: request.competentAuthority?.name ?? "",
  };
  const audited: SignedThing = {
    authority,
    dossierId: request.dossierId,
    ...(isDocumentId(documentId) && { requestId: documentId }),
    sha256: "",
  };
  const signer = { officialId: request.officialId };
  const signedAt = ports.now();
  let signed: Buffer;
  let signerSubject: string;
  try {
    if (!isDocumentId(documentId)) {
      throw new SigningError("INVALID_DOCUMENT_INPUT", "result document: requestId is not a UUID");
    }
    const level = levelOf(ports, undefined);
    const credential = await authorizeSigner(ports, {
      officialId: request.officialId,
      competentAuthority: authority,
      vouchedBy: "authorization_rules",
    });
    signerSubject = credential.subject;
    signed = await renderAndSignResult(
      {
        dossierCode: request.dossierCode,
        procedureName: request.procedureName,
        authorityName: authority.name,
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
        location: authority.name || "Việt Nam",
        signedAt,
      }),
    );
  } catch (error) {
    const mapped = toSigningServiceError(error);
    if (isRetriable(mapped)) throw mapped;
    if (!(error instanceof SigningError)) {
      ports.logger.error(
        { err: loggableError(error), dossierId: request.dossierId, requestId: request.requestId },
        "signing a result failed unexpectedly; answered with signatureFailed",
      );
    }
    return [
      ...signatureFailed(ports, request, failureReason(error)),
      ports.audit.record(signingEntry("sign_result", signer, audited, mapped)),
    ];
  }
  await ports.files.write(documentId, signed).catch((error: unknown) => {
    throw unavailable("the signed result could not be written to the documents directory", error);
  });

  const record: DocumentRecord = {
    documentId,
    dossierId: request.dossierId,
    dossierCode: request.dossierCode,
    sha256: sha256Hex(signed),
    signerSubject,
    signedAt: signedAt.toISOString(),
    sizeBytes: signed.length,
    // SignatureRequested does not carry the receiving unit: the dossier code begins with it.
    receivingUnitCode: receivingUnitOf(request.dossierCode),
    competentAuthorityCode: authority.code,
  };
  return [
    put(documents, documentId, record, 0),
    ports.audit.record(signingEntry("sign_result", signer, { ...audited, documentId, sha256: record.sha256 })),
    ...outboxWrites([
      lifecycleEvent("documentSigned", {
        dossierId: request.dossierId,
        dossierCode: request.dossierCode,
        requestId: request.requestId,
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
