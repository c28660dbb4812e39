import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { PlatformError } from "@lienthong/errors";
import type { Request, Response } from "express";

/**
 * What passes to the service: the official's token and what describes the
 * request. Nothing else — no cookie, no API key: the console speaks for the
 * person at the page, never for a commune system.
 */
const FORWARDED_REQUEST_HEADERS = [
  "authorization",
  "accept",
  "accept-language",
  "content-type",
  "idempotency-key",
  "traceparent",
  "tracestate",
] as const;

/** What comes back to the page: the answer's type and the headers the pages read. */
const RETURNED_RESPONSE_HEADERS = [
  "content-type",
  "content-disposition",
  "cache-control",
  "retry-after",
  "x-trace-id",
] as const;

export interface ForwardTarget {
  service: string;
  /** The service's REST base URL, without a trailing slash. */
  baseUrl: string;
  /** The part of the console's path that names the service (`/api/routing`), cut off before forwarding. */
  prefix: string;
  timeoutMs: number;
}

/**
 * Forwards one request to a service and streams its answer back, status and
 * body unchanged: a 401 or 403 is the service's decision and reaches the page
 * as it is. The path is appended to the service's own URL as a string, so no
 * path can name another host.
 */
export async function forwardToService(request: Request, response: Response, target: ForwardTarget): Promise<void> {
  const rest = request.originalUrl.slice(target.prefix.length);
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  const caller = new AbortController();
  // The page went away: the service's work for it need not be waited for.
  response.once("close", () => caller.abort());
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  let answer: globalThis.Response;
  try {
    answer = await fetch(`${target.baseUrl}${rest.startsWith("/") ? rest : `/${rest}`}`, {
      method: request.method,
      headers,
      body: hasBody ? Readable.toWeb(request) : undefined,
      // Required by fetch for a streamed request body.
      duplex: hasBody ? "half" : undefined,
      redirect: "manual",
      signal: AbortSignal.any([caller.signal, AbortSignal.timeout(target.timeoutMs)]),
    });
  } catch (error) {
    throw new PlatformError("UNAVAILABLE", `The ${target.service} service did not answer`, {
      reason: "SERVICE_UNREACHABLE",
      cause: error,
    });
  }
  response.status(answer.status);
  for (const name of RETURNED_RESPONSE_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) response.setHeader(name, value);
  }
  if (!answer.body) {
    response.end();
    return;
  }
  await pipeline(Readable.fromWeb(answer.body as NodeReadableStream<Uint8Array>), response).catch((error: unknown) => {
    // The page left mid-answer: nothing is owed to anyone.
    if (!caller.signal.aborted) throw error;
  });
}
