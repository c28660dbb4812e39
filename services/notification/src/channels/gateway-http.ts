import { Agent, request } from "undici";
import { DeliveryError } from "./ports";

/**
 * Connection errors raised before the request could reach the peer: nothing was taken, a retry cannot repeat it.
 * UND_ERR_CONNECT_TIMEOUT is undici's: no connection within the call's time (see poolFor).
 */
const NOT_CONNECTED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

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

/** A provider's answer that callGateway let through: its status and its body, to be read once. */
export interface GatewayAnswer {
  status: number;
  /** The body as JSON; rejects when it is not JSON. */
  json(): Promise<unknown>;
  /**
   * Drops the body: read to its end, it frees the connection for the next call (past 128 KiB the connection is
   * closed instead). Never rejects: the status has already said what the provider did.
   */
  discard(): Promise<void>;
}

/** Sent with every call, so a provider's logs and firewall can tell the platform's calls. */
const USER_AGENT = "lienthong-notification";

/**
 * A connection pool per call timeout. undici's request waits for a connection before it looks at its signal, so
 * the timeout alone would not bound a connect that hangs (a host dropping packets, a DNS server not answering):
 * the pool's connect timeout does. Timeouts are per provider, so there are a few pools at most.
 */
const pools = new Map<number, Agent>();

function poolFor(timeoutMs: number): Agent {
  let pool = pools.get(timeoutMs);
  if (!pool) {
    pool = new Agent({ connect: { timeout: timeoutMs } });
    pools.set(timeoutMs, pool);
  }
  return pool;
}

/**
 * One POST to a provider (SMS gateway, ZNS, a commune system's webhook): the
 * one retry policy of notification's HTTP channels. A peer not reached at all
 * (refused, unknown host, no connection within `timeoutMs`), a redirect (never
 * followed: the registered URL is the one called, and a POST must not turn into
 * a GET), 408, 429 and 503 are temporary failures the provider certainly did
 * not take; no answer within `timeoutMs`, a connection
 * lost after the request went, and any other 5xx are temporary failures whose
 * outcome is unknown (the provider may hold the message: see
 * DeliveryError.outcomeUnknown); 401/403 to a call with our token are
 * temporary (see withToken); any other refusal is permanent. Errors name the
 * provider and the HTTP status only: never the URL (it may carry a token), a
 * number, or the provider's own text (it may repeat the number).
 */
export async function callGateway(provider: string, url: string, call: GatewayCall): Promise<GatewayAnswer> {
  // undici's request rather than fetch: the client fetch is made of, without the Fetch API's objects around it, at
  // a quarter of fetch's CPU per call (docs/decisions.md §73); every status webhook of every dossier comes here.
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...call.headers },
      body: call.body,
      signal: AbortSignal.timeout(call.timeoutMs),
      dispatcher: poolFor(call.timeoutMs),
    });
  } catch (error) {
    if ((error as { name?: string }).name === "TimeoutError")
      throw new DeliveryError(`${provider} did not answer within ${call.timeoutMs} ms`, true, true);
    if (NOT_CONNECTED.has(errorCodeOf(error))) throw new DeliveryError(`${provider} unreachable`, true);
    throw new DeliveryError(`${provider} connection lost before its answer`, true, true);
  }
  const status = response.statusCode;
  const { body } = response;
  if ((status >= 200 && status < 300) || call.alreadyTaken?.includes(status))
    return { status, json: () => body.json(), discard: () => body.dump() };
  // The body is not read into any message; consuming it frees the connection.
  await body.dump();
  if (status >= 300 && status < 400)
    throw new DeliveryError(`${provider} answered HTTP ${status} (redirects are not followed)`, true);
  const message = `${provider} answered HTTP ${status}`;
  if (NOT_TAKEN_RETRIABLE.has(status) || (call.withToken && CREDENTIALS_REFUSED.has(status)))
    throw new DeliveryError(message, true);
  if (status >= 500) throw new DeliveryError(message, true, true);
  throw new DeliveryError(message, false);
}

/** A system error's code (ECONNREFUSED…), which undici leaves on the error it rejects with. */
function errorCodeOf(error: unknown): string {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === "string" ? code : "";
}
