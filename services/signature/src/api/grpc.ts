import { signature } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import type { SignaturePorts } from "../use-cases/ports";
import { signDocument } from "../use-cases/sign-document";
import { verifyDocument } from "../use-cases/verify-document";

export function signatureGrpc(ports: SignaturePorts): GrpcServiceRegistration {
  const implementation: signature.SignatureServiceServer = {
    signDocument: unary(async (request: signature.SignDocumentRequest) => {
      const { record, signed } = await signDocument(ports, request);
      return signature.SignDocumentResponse.fromPartial({
        documentId: record.documentId,
        signedPdf: signed,
        sha256: record.sha256,
        signerSubject: record.signerSubject,
      });
    }),
    verifyDocument: unary(async (request: signature.VerifyDocumentRequest) => {
      // The per-signature verdicts wait for new proto fields (PROTO-PROPOSAL.md); REST carries them today.
      const report = await verifyDocument(ports, request.pdf);
      return signature.VerifyDocumentResponse.fromPartial({
        valid: report.valid,
        integrityOk: report.integrityOk,
        chainTrusted: report.chainTrusted,
        signerSubject: report.signerSubject,
        issuerSubject: report.issuerSubject,
        signedAt: report.signedAt?.toISOString(),
        reportVi: report.reportVi,
      });
    }),
  };
  return { definition: signature.SignatureServiceService, implementation };
}
