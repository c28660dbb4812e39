import { common, events, lifecycleEvent } from "@lienthong/contracts";
import { isRetriable, loggableError } from "@lienthong/errors";
import { outboxWrites } from "@lienthong/messaging";
import { put, type WriteOp } from "@lienthong/storage";
import { renderAndSignResult } from "../pdf/pades";
import { SigningError } from "../pki/errors";
import type { SignerCredential } from "../pki/signing-key";
import { documents, signatureRetries, type DocumentRecord, type SignatureRetryRecord } from "../store/collections";
import { isDocumentId } from "../store/document-files";
import { authorizeSigner, type CompetentAuthority } from "./authorize-signer";
import { FIRST_RETRY_MS, storeSignedOnce, transientReason, type Attempt } from "./parking";
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
 * Every request gets an outcome, so the dossier never waits for nothing:
 * anything that will not heal — no key, not a leader of the authority, an
 * expired certificate, a notice that cannot be rendered, even a defect — is a
 * signatureFailed event with a reason and no document, and routing gives the
 * dossier back to its officials. A failure that may heal (TSA or signing hook
 * out of reach) parks the request: retryParkedSignatures (retry-parked.ts) tries it again with
 * backoff and, past the retry horizon, answers it with signatureFailed too.
 * The audit entry, done or refused, is committed with the outcome.
 */
export async function signResult(ports: SignaturePorts, request: events.SignatureRequested): Promise<WriteOp[]> {
  const documentId = request.requestId;
  if (isDocumentId(documentId)) {
    if (await ports.store.get(documents, documentId)) return [];
    // A redelivery of a parked request: the retry worker owns it.
    if (await ports.store.get(signatureRetries, documentId)) return [];
  }
  const attempt = await attemptSignResult(ports, request);
  if ("writes" in attempt) return attempt.writes;
  const now = ports.now();
  const parked: SignatureRetryRecord = {
    requestId: documentId,
    dossierId: request.dossierId,
    requestBase64: Buffer.from(events.SignatureRequested.encode(request).finish()).toString("base64"),
    lastError: transientReason(attempt.transient),
    firstFailedAt: now.toISOString(),
    attempts: 1,
    nextAttemptAt: new Date(now.getTime() + FIRST_RETRY_MS).toISOString(),
  };
  return [put(signatureRetries, documentId, parked, 0)];
}

/** Renders and signs once: the outcome's writes, or the failure that may heal. */
export async function attemptSignResult(ports: SignaturePorts, request: events.SignatureRequested): Promise<Attempt> {
  const documentId = request.requestId;
  const signedAt = ports.now();
  let signed: Buffer;
  let credential: SignerCredential;
  try {
    if (!isDocumentId(documentId)) {
      throw new SigningError("INVALID_DOCUMENT_INPUT", "result document: requestId is not a UUID");
    }
    const level = levelOf(ports, undefined);
    const authority = authorityOf(request);
    credential = await authorizeSigner(ports, {
      officialId: request.officialId,
      competentAuthority: authority,
      vouchedBy: "authorization_rules",
    });
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
    if (isRetriable(toSigningServiceError(error))) return { transient: error };
    if (!(error instanceof SigningError)) {
      ports.logger.error(
        { err: loggableError(error), dossierId: request.dossierId, requestId: request.requestId },
        "signing a result failed unexpectedly; answered with signatureFailed",
      );
    }
    return { writes: refused(ports, request, error) };
  }
  const stored = await storeSignedOnce(ports, documentId, signed, "result");
  if ("transient" in stored) return stored;
  if ("committed" in stored) return { writes: [] };
  signed = stored.bytes;

  const record: DocumentRecord = {
    documentId,
    dossierId: request.dossierId,
    dossierCode: request.dossierCode,
    sha256: sha256Hex(signed),
    signerSubject: credential.subject,
    signedAt: signedAt.toISOString(),
    sizeBytes: signed.length,
    // A request published before it carried the receiving unit: the code began with the unit's code then.
    receivingUnitCode: request.receivingUnitCode || receivingUnitOf(request.dossierCode),
    competentAuthorityCode: authorityOf(request).code,
  };
  return {
    writes: [
      put(documents, documentId, record, 0),
      ports.audit.record(
        signingEntry("sign_result", signerOf(request), {
          ...auditedThing(request),
          documentId,
          sha256: record.sha256,
          certificate: credential.certificate,
        }),
      ),
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
    ],
  };
}

function authorityOf(request: events.SignatureRequested): CompetentAuthority {
  return { code: request.competentAuthority?.code ?? "", name: request.competentAuthority?.name ?? "" };
}

function signerOf(request: events.SignatureRequested) {
  return { officialId: request.officialId };
}

function auditedThing(request: events.SignatureRequested): SignedThing {
  return {
    authority: authorityOf(request),
    dossierId: request.dossierId,
    ...(isDocumentId(request.requestId) && { requestId: request.requestId }),
    sha256: "",
  };
}

/** The request answered with signatureFailed (the reason names the signing code), and the refusal in the audit log. */
export function refused(ports: SignaturePorts, request: events.SignatureRequested, error: unknown): WriteOp[] {
  return [
    ...outboxWrites([
      lifecycleEvent("signatureFailed", {
        dossierId: request.dossierId,
        dossierCode: request.dossierCode,
        requestId: request.requestId,
        failedAt: ports.now().toISOString(),
        reason: failureReason(error),
      }),
    ]),
    ports.audit.record(
      signingEntry(
        "sign_result",
        signerOf(request),
        { ...auditedThing(request), certificate: ports.signers.credential(request.officialId)?.certificate },
        toSigningServiceError(error),
      ),
    ),
  ];
}
