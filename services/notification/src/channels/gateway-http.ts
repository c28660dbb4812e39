import { DeliveryError } from "./ports";

/** Connection errors raised before the request could reach the peer: nothing was taken, a retry cannot repeat it. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** Statuses that say the request was not processed and may be retried: overloaded, too many, timed out waiting for it. */
const NOT_TAKEN_RETRIABLE = new Set([408, 429, 503]);

/** Statuses that say a provider refused our credentials (a token expired or revoked). */
const CREDENTIALS_REFUSED = new Set([401, 403]);

export interface GatewayCall {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Statuses that mean the provider already holds this request id, i.e. it took the message (an SMS gateway's 409). */
  alreadyTaken?: readonly number[];
  /**
   * The call carries our API token: a 401/403 is then our credentials, which an
   * operator renews, and the message waits (retried until the horizon) rather
   * than failing for good. A commune system's 401/403 stays permanent.
   */
  withToken?: boolean;
}

/**
 * One POST to a provider (SMS gateway, ZNS, a commune system's webhook): the
 * one retry policy of notification's HTTP channels. A peer not reached at all
 * (refused, unknown host), 408, 429 and 503 are temporary failures the
 * provider certainly did not take; no answer within `timeoutMs`, a connection
 * lost after the request went, and any other 5xx are temporary failures whose
 * outcome is unknown (the provider may hold the message: see
 * DeliveryError.outcomeUnknown); 401/403 to a call with our token are
 * temporary (see withToken); any other refusal is permanent. Errors name the
 * provider and the HTTP status only: never the URL (it may carry a token), a
 * number, or the provider's own text (it may repeat the number).
 */
export async function callGateway(provider: string, url: string, call: GatewayCall): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...call.headers },
      body: call.body,
      signal: AbortSignal.timeout(call.timeoutMs),
    });
  } catch (error) {
    if ((error as { name?: string }).name === "TimeoutError")
      throw new DeliveryError(`${provider} did not answer within ${call.timeoutMs} ms`, true, true);
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (typeof code === "string" && NOT_CONNECTED.has(code)) throw new DeliveryError(`${provider} unreachable`, true);
    throw new DeliveryError(`${provider} connection lost before its answer`, true, true);
  }
  if (response.ok || call.alreadyTaken?.includes(response.status)) return response;
  // The body is not read into any message; consuming it frees the connection.
  await response.arrayBuffer().catch(() => undefined);
  const { status } = response;
  const message = `${provider} answered HTTP ${status}`;
  if (NOT_TAKEN_RETRIABLE.has(status) || (call.withToken && CREDENTIALS_REFUSED.has(status)))
    throw new DeliveryError(message, true);
  if (status >= 500) throw new DeliveryError(message, true, true);
  throw new DeliveryError(message, false);
}
