import { signature } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import { signFile, verifyFileSignature } from "../use-cases/cades";
import type { SignaturePorts } from "../use-cases/ports";
import { SLIP_KINDS } from "../use-cases/issue-slip";
import { getSignedDocument } from "../use-cases/get-document";
import { isSlip, listSlips, type SlipRecord } from "../use-cases/list-slips";
import { signDocument } from "../use-cases/sign-document";
import { slipView } from "../use-cases/slip-view";
import { verifyDocument } from "../use-cases/verify-document";
import type { SignatureReport, VerificationReport } from "../verification/report";
import { READ_DOCUMENT, READ_SLIPS, SIGN, VERIFY } from "./access";

/** The contract's levels by name: one table for requests and reports. */
const LEVELS: Record<NonNullable<SignatureReport["level"]>, signature.SignatureLevel> = {
  "B-B": signature.SignatureLevel.SIGNATURE_LEVEL_B_B,
  "B-T": signature.SignatureLevel.SIGNATURE_LEVEL_B_T,
  "B-LT": signature.SignatureLevel.SIGNATURE_LEVEL_B_LT,
};

/** The level a request names; unspecified is none, and a number the contract does not know is passed on to be refused. */
function requestedLevel(level: signature.SignatureLevel): string | undefined {
  if (level === signature.SignatureLevel.SIGNATURE_LEVEL_UNSPECIFIED) return undefined;
  return Object.entries(LEVELS).find(([, value]) => value === level)?.[0] ?? String(level);
}

function levelOf(name: SignatureReport["level"]): signature.SignatureLevel {
  return name ? LEVELS[name] : signature.SignatureLevel.SIGNATURE_LEVEL_UNSPECIFIED;
}

const INDICATIONS: Record<SignatureReport["indication"], signature.Indication> = {
  TOTAL_PASSED: signature.Indication.INDICATION_TOTAL_PASSED,
  INDETERMINATE: signature.Indication.INDICATION_INDETERMINATE,
  TOTAL_FAILED: signature.Indication.INDICATION_TOTAL_FAILED,
};

const REVOCATION: Record<SignatureReport["revocation"]["status"], signature.RevocationStatus> = {
  good: signature.RevocationStatus.REVOCATION_STATUS_GOOD,
  revoked: signature.RevocationStatus.REVOCATION_STATUS_REVOKED,
  unknown: signature.RevocationStatus.REVOCATION_STATUS_UNKNOWN,
};

function verdictOf(report: SignatureReport): signature.SignatureVerdict {
  return signature.SignatureVerdict.fromPartial({
    index: report.index,
    indication: INDICATIONS[report.indication],
    reason: report.reason ?? "",
    format: report.format,
    level: levelOf(report.level),
    signerSubject: report.signer?.subject ?? "",
    signerIssuer: report.signer?.issuer ?? "",
    signerSerialNumber: report.signer?.serialNumber ?? "",
    signingTime: report.signingTime?.toISOString(),
    signingTimeFromTimestamp: report.signingTimeSource === "timestamp",
    algorithm: report.algorithm ?? "",
    algorithmApproved: report.algorithmApproved ?? false,
    intact: report.integrity.intact,
    coversWholeDocument: report.integrity.coversWholeDocument ?? false,
    changedAfterSigning: report.integrity.changedAfterSigning ?? false,
    chainTrusted: report.chain.trusted,
    chainPath: report.chain.path,
    revocationStatus: REVOCATION[report.revocation.status],
    revokedAt: report.revocation.revokedAt?.toISOString(),
    timestampAuthority: report.timestamp?.authority ?? "",
    messageVi: report.messageVi,
    messageEn: report.messageEn,
  });
}

/** The report as both verification responses carry it (the same fields, one message per method). */
function reportMessage(report: VerificationReport) {
  return {
    valid: report.valid,
    integrityOk: report.integrityOk,
    chainTrusted: report.chainTrusted,
    signerSubject: report.signerSubject ?? "",
    issuerSubject: report.issuerSubject ?? "",
    signedAt: report.signedAt?.toISOString(),
    reportVi: report.reportVi,
    reportEn: report.reportEn,
    failure: report.failure ?? "",
    signatures: report.signatures.map(verdictOf),
  };
}

function slipMessage(record: SlipRecord): signature.Slip {
  const view = slipView(record);
  return signature.Slip.fromPartial({ ...view, kind: SLIP_KINDS[view.kind] });
}

export function signatureGrpc(ports: SignaturePorts): GrpcServiceRegistration {
  const implementation: signature.SignatureServiceServer = {
    // signer_id is deprecated and not read: the signer is the bearer token's subject.
    signDocument: unary(SIGN, async (request: signature.SignDocumentRequest, { caller }) => {
      const { record, signed } = await signDocument(ports, caller, {
        pdf: request.pdf,
        reason: request.reason,
        location: request.location,
        level: requestedLevel(request.level),
        competentAuthorityCode: request.competentAuthorityCode,
      });
      return signature.SignDocumentResponse.fromPartial({
        documentId: record.documentId,
        signedPdf: signed,
        sha256: record.sha256,
        signerSubject: record.signerSubject,
      });
    }),
    verifyDocument: unary(VERIFY, async (request: signature.VerifyDocumentRequest) =>
      signature.VerifyDocumentResponse.fromPartial(reportMessage(await verifyDocument(ports, request.pdf))),
    ),
    signFile: unary(SIGN, async (request: signature.SignFileRequest, { caller }) => {
      const signed = await signFile(ports, caller, {
        content: request.content,
        level: requestedLevel(request.level),
        competentAuthorityCode: request.competentAuthorityCode,
      });
      return signature.SignFileResponse.fromPartial({ signature: signed });
    }),
    verifyFileSignature: unary(VERIFY, async (request: signature.VerifyFileSignatureRequest) =>
      signature.VerifyFileSignatureResponse.fromPartial(
        reportMessage(await verifyFileSignature(ports, { content: request.content, signature: request.signature })),
      ),
    ),
    listSlips: unary(READ_SLIPS, async (request: signature.ListSlipsRequest, { caller }) =>
      signature.ListSlipsResponse.fromPartial({
        slips: (await listSlips(ports, caller, request.dossierRef)).map(slipMessage),
      }),
    ),
    getDocument: unary(READ_DOCUMENT, async (request: signature.GetDocumentRequest, { caller }) => {
      const { record, bytes } = await getSignedDocument(ports, caller, request.documentId);
      return signature.GetDocumentResponse.fromPartial({
        documentId: record.documentId,
        dossierCode: record.dossierCode,
        sha256: record.sha256,
        signerSubject: record.signerSubject,
        pdf: bytes,
        ...(isSlip(record) && { slip: slipMessage(record) }),
      });
    }),
  };
  return { definition: signature.SignatureServiceService, implementation };
}
