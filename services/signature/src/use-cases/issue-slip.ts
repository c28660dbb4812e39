import { createHash } from "node:crypto";
import { common, events, lifecycleEvent, type DecodedEvent } from "@lienthong/contracts";
import { isRetriable, loggableError } from "@lienthong/errors";
import { outboxWrites } from "@lienthong/messaging";
import { put, type WriteOp } from "@lienthong/storage";
import { renderAndSignSlip } from "../pdf/pades";
import { SigningError } from "../pki/errors";
import type { SlipKind } from "../pdf/slip-document";
import { commonName } from "../pki/distinguished-name";
import { toX509 } from "../pki/certificates";
import type { SignerCredential } from "../pki/signing-key";
import { documents, signatureRetries, type DocumentRecord, type SignatureRetryRecord } from "../store/collections";
import { authorizeSigner, type CompetentAuthority } from "./authorize-signer";
import { FIRST_RETRY_MS, storeSignedOnce, transientReason, type Attempt } from "./parking";
import type { SignaturePorts } from "./ports";
import { toSigningServiceError } from "./service-errors";
import { downloadPathOf } from "./sign-result";
import { refusalReason, sha256Hex, signingEntry } from "./signing-audit";
import { levelOf, padesOptions } from "./signing-options";

/** The contract's slip kinds by the renderer's names: one table for events, the store and the APIs. */
export const SLIP_KINDS: Record<SlipKind, events.SlipKind> = {
  receipt: events.SlipKind.SLIP_KIND_RECEIPT,
  supplement_request: events.SlipKind.SLIP_KIND_SUPPLEMENT_REQUEST,
  refusal: events.SlipKind.SLIP_KIND_REFUSAL,
  apology: events.SlipKind.SLIP_KIND_APOLOGY,
};

/** What one lifecycle event asks signature to issue. */
export interface SlipRequest {
  kind: SlipKind;
  dossierId: string;
  dossierCode: string;
  /** Which occurrence of the kind this is, so a redelivered event maps to the same document id. */
  occurrence: string;
  issuedAt: string;
  officialId: string;
  procedureName: string;
  /** The unit in whose name the slip is issued and signed: the receiving unit (01–03), the competent authority (04). */
  issuer: CompetentAuthority;
  receivingUnitCode: string;
  competentAuthority?: CompetentAuthority;
  appointmentAt?: string;
  previousAppointmentAt?: string;
  items?: string[];
  reason?: string;
}

const agency = (value: common.Agency | undefined): CompetentAuthority | undefined =>
  value?.code ? { code: value.code, name: value.name } : undefined;

/**
 * The receiving unit as the slip's issuer. Its name comes from the event, or from the competent authority
 * when that is the same unit; never another unit's: a signed slip naming the wrong place of collection is
 * worse than none, so a receiving unit routing could not name (a provincial centre) stays nameless and the
 * slip is refused (issueSlip).
 */
function receivingIssuer(receiving: common.Agency | undefined, competent?: common.Agency): CompetentAuthority {
  const code = receiving?.code ?? "";
  const sameUnit = code !== "" && competent?.code === code;
  return { code, name: receiving?.name || (sameUnit ? competent.name : "") };
}

/**
 * The slip a lifecycle event calls for (Circular 03/2025/TT-VPCP Appendix I forms 01–04), or none. Acceptance,
 * a supplement request and a refusal are the desk's acts, issued in the receiving unit's name by the
 * official who performed them; an apology is the competent authority's, signed by its leader.
 */
export function slipRequestOf(event: DecodedEvent): SlipRequest | undefined {
  switch (event.name) {
    case "applicationAccepted": {
      const p = event.payload;
      return {
        kind: "receipt",
        dossierId: p.dossierId,
        dossierCode: p.dossierCode,
        occurrence: "",
        issuedAt: p.acceptedAt ?? "",
        officialId: p.officialId,
        procedureName: p.procedureName,
        issuer: receivingIssuer(p.receivingUnit, p.competentAuthority),
        receivingUnitCode: p.receivingUnit?.code ?? "",
        ...optional("competentAuthority", agency(p.competentAuthority)),
        ...optional("appointmentAt", p.appointmentAt),
      };
    }
    case "supplementRequested": {
      const p = event.payload;
      return {
        kind: "supplement_request",
        dossierId: p.dossierId,
        dossierCode: p.dossierCode,
        occurrence: p.requestedAt ?? "",
        issuedAt: p.requestedAt ?? "",
        officialId: p.officialId,
        procedureName: p.procedureName,
        // Asked for by the competent authority's official, handed over by the desk that received the dossier.
        issuer: agency(p.competentAuthority) ?? receivingIssuer(p.receivingUnit),
        receivingUnitCode: p.receivingUnit?.code ?? "",
        ...optional("competentAuthority", agency(p.competentAuthority)),
        items: p.missingItems,
      };
    }
    case "applicationRefused": {
      const p = event.payload;
      return {
        kind: "refusal",
        dossierId: p.dossierId,
        dossierCode: p.dossierCode,
        occurrence: "",
        issuedAt: p.refusedAt ?? "",
        officialId: p.officialId,
        procedureName: p.procedureName,
        issuer: receivingIssuer(p.receivingUnit),
        receivingUnitCode: p.receivingUnit?.code ?? "",
        reason: p.reason,
      };
    }
    case "apologyIssued": {
      const p = event.payload;
      const authority = agency(p.competentAuthority);
      return {
        kind: "apology",
        dossierId: p.dossierId,
        dossierCode: p.dossierCode,
        occurrence: String(p.apologyNumber),
        issuedAt: p.issuedAt ?? "",
        officialId: p.officialId,
        procedureName: p.procedureName,
        issuer: authority ?? { code: "", name: "" },
        receivingUnitCode: p.receivingUnit?.code ?? "",
        ...optional("competentAuthority", authority),
        ...optional("appointmentAt", p.newAppointmentAt),
        ...optional("previousAppointmentAt", p.previousAppointmentAt),
        reason: p.reason,
      };
    }
    default:
      return undefined;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined || value === "" ? {} : ({ [key]: value } as Record<K, V>);
}

/** A UUID derived from what the slip records: the same event, however often delivered, names one document. */
export function slipDocumentId(request: Pick<SlipRequest, "kind" | "dossierId" | "occurrence">): string {
  const hex = createHash("sha256")
    .update(`slip\u0000${request.kind}\u0000${request.dossierId}\u0000${request.occurrence}`)
    .digest("hex");
  // RFC 9562 layout, version 8 (custom), variant 10.
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}`,
    hex.slice(20, 32),
  ].join("-");
}

/**
 * Renders a desk slip, signs it with the issuing official's key (the signer
 * checks of every signature: a key here, certificate for that official and
 * declared for the issuing unit; validity, chain, revocation), stores it and
 * announces it with slipIssued — in one commit with the audit entry.
 * Idempotent: the document id follows from the event, so a redelivery finds
 * the slip (or its parking) and does nothing.
 *
 * An apology is signed by the competent authority's leader under the
 * authorization rules (as a result is); the desk's slips by the official
 * routing recorded performing the action, whose role and unit routing
 * checked against their token. An act of the system (AUTO_ACCEPT, a refusal
 * of an unknown procedure) has no official to sign a slip: none is issued,
 * the applicant hears of it through notification. A slip that cannot be
 * issued for good (no key, text the font cannot print, an issuing unit with
 * no name) is refused in the audit log and told to operators; the dossier
 * goes on without it. A failure that may heal (TSA, signing hook, disk)
 * parks the slip in signature_retries, as a result is parked (§26): the
 * retry worker issues it when the dependency is back, or refuses it at the
 * horizon.
 */
export async function issueSlip(ports: SignaturePorts, request: SlipRequest): Promise<WriteOp[]> {
  if (!request.officialId) return [];
  const documentId = slipDocumentId(request);
  if (await ports.store.get(documents, documentId)) return [];
  // A redelivery of a parked slip: the retry worker owns it.
  if (await ports.store.get(signatureRetries, documentId)) return [];
  const attempt = await attemptIssueSlip(ports, request);
  if ("writes" in attempt) return attempt.writes;
  const now = ports.now();
  const parked: SignatureRetryRecord = {
    requestId: documentId,
    dossierId: request.dossierId,
    requestBase64: "",
    slipRequest: JSON.stringify(request),
    lastError: transientReason(attempt.transient),
    firstFailedAt: now.toISOString(),
    attempts: 1,
    nextAttemptAt: new Date(now.getTime() + FIRST_RETRY_MS).toISOString(),
  };
  return [put(signatureRetries, documentId, parked, 0)];
}

/** Renders, signs and stores once: the outcome's writes, or the failure that may heal. */
export async function attemptIssueSlip(ports: SignaturePorts, request: SlipRequest): Promise<Attempt> {
  const documentId = slipDocumentId(request);
  const signedAt = ports.now();
  const kind = SLIP_KINDS[request.kind];
  let signed: Buffer;
  let credential: SignerCredential;
  try {
    if (!request.issuer.name.trim()) {
      throw new SigningError("INVALID_DOCUMENT_INPUT", "slip: the issuing unit has no name to print");
    }
    const level = levelOf(ports, undefined);
    credential = await authorizeSigner(ports, {
      officialId: request.officialId,
      competentAuthority: request.issuer,
      vouchedBy: request.kind === "apology" ? "authorization_rules" : "routing_action",
    });
    const issuedAt = new Date(request.issuedAt || signedAt.toISOString());
    signed = await renderAndSignSlip(
      {
        kind: request.kind,
        authorityName: request.issuer.name,
        ...optional("placeName", ports.placeOf(request.issuer.code)),
        dossierCode: request.dossierCode,
        procedureName: request.procedureName,
        issuedAt,
        officialId: request.officialId,
        officialName: commonName(toX509(credential.certificate).subject) ?? request.officialId,
        ...(request.competentAuthority && { competentAuthorityName: request.competentAuthority.name }),
        ...(request.appointmentAt && { appointmentAt: new Date(request.appointmentAt) }),
        ...(request.previousAppointmentAt && { previousAppointmentAt: new Date(request.previousAppointmentAt) }),
        ...(request.items && { items: request.items }),
        ...(request.reason && { reason: request.reason }),
        trackingUrl: ports.trackingUrl(request.dossierCode),
      },
      credential,
      padesOptions(ports, level, {
        reason: `Phiếu của hồ sơ ${request.dossierCode}`,
        location: request.issuer.name,
        signedAt,
      }),
    );
  } catch (error) {
    const failure = toSigningServiceError(error);
    if (isRetriable(failure)) return { transient: failure };
    return { writes: refusedSlip(ports, request, failure) };
  }
  const stored = await storeSignedOnce(ports, documentId, signed, "slip");
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
    receivingUnitCode: request.receivingUnitCode,
    competentAuthorityCode: request.competentAuthority?.code ?? "",
    slipKind: kind,
    officialId: request.officialId,
  };
  const writes = [
    put(documents, documentId, record, 0),
    ports.audit.record(
      signingEntry(
        "issue_slip",
        { officialId: request.officialId },
        {
          authority: request.issuer,
          dossierId: request.dossierId,
          documentId,
          sha256: record.sha256,
          certificate: credential.certificate,
        },
      ),
    ),
    ...outboxWrites([
      lifecycleEvent("slipIssued", {
        dossierId: request.dossierId,
        dossierCode: request.dossierCode,
        kind,
        documentId,
        downloadPath: downloadPathOf(documentId),
        sha256: record.sha256,
        issuedAt: record.signedAt,
        officialId: request.officialId,
        signerSubject: record.signerSubject,
      }),
    ]),
  ];
  return { writes };
}

/**
 * A slip that will not be issued: refused in the audit log (committed with the event that asked for it),
 * counted, and told to operators with its ids; the dossier goes on without it.
 */
export function refusedSlip(ports: SignaturePorts, request: SlipRequest, failure: unknown): WriteOp[] {
  const documentId = slipDocumentId(request);
  const reason = refusalReason(failure);
  ports.logger.error(
    {
      err: loggableError(failure),
      dossierId: request.dossierId,
      documentId,
      slipKind: request.kind,
      issuerCode: request.issuer.code,
      officialId: request.officialId,
      reason,
    },
    "a desk slip could not be issued; the dossier goes on without it",
  );
  ports.slipsNotIssued(request.kind, reason);
  return [
    ports.audit.record(
      signingEntry(
        "issue_slip",
        { officialId: request.officialId },
        { authority: request.issuer, dossierId: request.dossierId, documentId, sha256: "" },
        failure,
      ),
    ),
  ];
}
