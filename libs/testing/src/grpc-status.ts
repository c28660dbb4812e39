import { rpc } from "@lienthong/contracts";

/** What a gRPC error's grpc-status-details-bin trailer says, read with the generated google.rpc messages. */
export interface GrpcErrorDetails {
  code: number;
  message: string;
  violations: { field: string; reason: string }[];
  /** ErrorInfo: the platform code, our domain, and metadata (retriable, the finer reason). */
  info?: { reason: string; domain: string; metadata: Record<string, string> };
}

export function readGrpcErrorDetails(trailer: Uint8Array): GrpcErrorDetails {
  const status = rpc.Status.decode(trailer);
  const details: GrpcErrorDetails = { code: status.code, message: status.message, violations: [] };
  for (const any of status.details) {
    if (any.typeUrl.endsWith("/google.rpc.BadRequest")) {
      const badRequest = rpc.BadRequest.decode(any.value);
      details.violations.push(...badRequest.fieldViolations.map((v) => ({ field: v.field, reason: v.description })));
    } else if (any.typeUrl.endsWith("/google.rpc.ErrorInfo")) {
      const info = rpc.ErrorInfo.decode(any.value);
      details.info = { reason: info.reason, domain: info.domain, metadata: info.metadata };
    }
  }
  return details;
}
