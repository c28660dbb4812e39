import { request as httpRequest } from "node:http";
import * as grpc from "@grpc/grpc-js";
import { readGrpcErrorDetails } from "@lienthong/testing";

/** A REST request as sent on the wire: any path (malformed escapes included), any headers, any bytes. */
export interface RawRestRequest {
  method: string;
  /** Sent as written: nothing is encoded or normalised. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface RawRestAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Sends a request with node:http rather than fetch, which would normalise the
 * URL and refuse some headers. A server may answer before reading a large
 * body (413) and close: the answer counts, the write error does not.
 */
export function rawRest(baseUrl: string, raw: RawRestRequest, timeoutMs = 60_000): Promise<RawRestAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      {
        host: hostname,
        port,
        method: raw.method,
        path: raw.path,
        headers: { ...raw.headers, ...(raw.body ? { "content-length": String(raw.body.length) } : {}) },
        timeout: timeoutMs,
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers["content-type"] ?? "",
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("timeout", () =>
      request.destroy(new Error(`no answer to ${raw.method} ${raw.path} in ${timeoutMs} ms`)),
    );
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    request.end(raw.body);
  });
}

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
