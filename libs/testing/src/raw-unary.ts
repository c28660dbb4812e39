import * as grpc from "@grpc/grpc-js";
import { readGrpcErrorDetails } from "./grpc-status";

export interface RawGrpcAnswer {
  /** The status name: "OK", "INVALID_ARGUMENT"… */
  status: string;
  details: string;
  /** The platform's finer reason from the ErrorInfo detail; "" when the answer carries none. */
  reason: string;
  /** Field violations of the BadRequest detail, "field: reason". */
  violations: string[];
  /** The response message's bytes, when the call succeeded. */
  response?: Buffer;
}

const identity = (bytes: Buffer) => bytes;

/** Calls a unary method with a request of raw bytes: the server's decoder sees exactly them. */
export function rawUnary(
  address: string,
  methodPath: string,
  bytes: Buffer,
  headers: Record<string, string>,
  timeoutMs = 60_000,
): Promise<RawGrpcAnswer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_send_message_length": -1,
    "grpc.max_receive_message_length": -1,
  });
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return new Promise<RawGrpcAnswer>((resolve) => {
    client.makeUnaryRequest(
      methodPath,
      identity,
      identity,
      bytes,
      metadata,
      { deadline: Date.now() + timeoutMs },
      (error, response) => {
        if (!error) return resolve({ status: "OK", details: "", reason: "", violations: [], response });
        const trailer = error.metadata?.get("grpc-status-details-bin")[0];
        const details = trailer instanceof Buffer ? readGrpcErrorDetails(trailer) : undefined;
        resolve({
          status: grpc.status[error.code],
          details: error.details,
          reason: details?.info?.metadata.reason ?? "",
          violations: details?.violations.map((v) => `${v.field}: ${v.reason}`) ?? [],
        });
      },
    );
  }).finally(() => client.close());
}
