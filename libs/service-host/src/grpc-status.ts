import { Metadata, status as GrpcStatus } from "@grpc/grpc-js";
import { rpc } from "@lienthong/contracts";
import { toPlatformError, type ErrorCode } from "@lienthong/errors";
import { publicDetail, retryAfterSecondsOf } from "./http-problem";

/**
 * The gRPC mapping of platform errors, in one place: the status code, a
 * readable `details` line listing `field: reason`, and the same facts as a
 * google.rpc.Status (BadRequest, ErrorInfo and RetryInfo details, generated messages) in
 * the grpc-status-details-bin trailer, where any gRPC client library finds them.
 */
const grpcStatusByCode: Record<ErrorCode, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  // gRPC's guidance: ABORTED for concurrency conflicts the client retries at a higher level.
  CONFLICT: GrpcStatus.ABORTED,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  PAYLOAD_TOO_LARGE: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  INTERNAL: GrpcStatus.INTERNAL,
};

export const grpcStatusDetailsKey = "grpc-status-details-bin";
/** ErrorInfo.domain of our errors; ErrorInfo.reason carries the platform code, metadata.reason the finer reason. */
export const errorDomain = "lienthong.gov.vn";
const typeUrlPrefix = "type.googleapis.com/";

/** The shape grpc-js accepts from a handler as an error (ServerErrorResponse). */
export interface GrpcError extends Error {
  code: GrpcStatus;
  details: string;
  metadata: Metadata;
}

export function toGrpcError(thrown: unknown): GrpcError {
  const error = toPlatformError(thrown);
  const code = grpcStatusByCode[error.code];
  const message = publicDetail(error);
  const violations = error.violations;
  const details =
    violations.length > 0 ? `${message}: ${violations.map((v) => `${v.field}: ${v.reason}`).join("; ")}` : message;
  const retryAfterSeconds = retryAfterSecondsOf(error);
  const status = rpc.Status.fromPartial({
    code,
    message,
    details: [
      ...(violations.length > 0
        ? [
            packAny(
              "google.rpc.BadRequest",
              rpc.BadRequest.encode(
                rpc.BadRequest.fromPartial({
                  fieldViolations: violations.map((v) => ({ field: v.field, description: v.reason })),
                }),
              ).finish(),
            ),
          ]
        : []),
      packAny(
        "google.rpc.ErrorInfo",
        rpc.ErrorInfo.encode(
          rpc.ErrorInfo.fromPartial({
            reason: error.code,
            domain: errorDomain,
            metadata: {
              retriable: String(error.retriable),
              ...(error.code !== "INTERNAL" && { reason: error.reason }),
            },
          }),
        ).finish(),
      ),
      // What Retry-After says over REST: how long to wait before calling again.
      ...(retryAfterSeconds === undefined
        ? []
        : [
            packAny(
              "google.rpc.RetryInfo",
              rpc.RetryInfo.encode(
                rpc.RetryInfo.fromPartial({ retryDelay: { seconds: retryAfterSeconds, nanos: 0 } }),
              ).finish(),
            ),
          ]),
    ],
  });
  const metadata = new Metadata();
  metadata.set(grpcStatusDetailsKey, Buffer.from(rpc.Status.encode(status).finish()));
  return Object.assign(new Error(details), { code, details, metadata });
}

function packAny(typeName: string, value: Uint8Array): { typeUrl: string; value: Buffer } {
  return { typeUrl: typeUrlPrefix + typeName, value: Buffer.from(value) };
}
