import { request as httpRequest } from "node:http";

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
