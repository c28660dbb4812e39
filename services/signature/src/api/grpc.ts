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
      const { failure: _failure, signedAt, ...report } = await verifyDocument(ports, request.pdf);
      return signature.VerifyDocumentResponse.fromPartial({ ...report, signedAt: signedAt?.toISOString() });
    }),
  };
  return { definition: signature.SignatureServiceService, implementation };
}
