import { text } from "node:stream/consumers";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

/** One request a commune receiver got, and what it made of it. */
export interface ReceiverRequest {
  /** Lower-cased header names, as Node gives them. */
  headers: Record<string, string>;
  /** The exact body bytes as text: what the signature covers. */
  body: string;
  /**
   * `accepted`: verified and acted on; `duplicate`: verified, but its webhook-id was
   * already acted on, so acknowledged without acting; `rejected`: the library refused it.
   */
  outcome: "accepted" | "duplicate" | "rejected";
  /** The library's reason for a rejection ("No matching signature found", "Message timestamp too old"). */
  reason?: string;
}

export interface CommuneReceiver {
  url: string;
  requests: ReceiverRequest[];
  /** The verified bodies it acted on, once per webhook-id. */
  accepted(): Record<string, unknown>[];
  /** Moves the receiver's clock (what the library's timestamp tolerance compares with) by `ms`. */
  advanceClock(ms: number): void;
  /** Sends a captured request to this receiver again, byte for byte: what an attacker who saw it could do. */
  replay(request: Pick<ReceiverRequest, "headers" | "body">): Promise<number>;
  close(): Promise<void>;
}

/**
 * A commune system's webhook endpoint as its developers would write it: a
 * real HTTP server verifying each request with the `standardwebhooks`
 * library and the secret(s) the commune holds (a `whsec_` secret as given),
 * answering 401 to what does not verify, and acting once per webhook-id
 * (a repeat is answered 204 so that a retry after a lost answer ends, and
 * is not acted on). Several secrets: a receiver accepting either while it
 * switches.
 */
export async function startCommuneReceiver(secrets: readonly string[]): Promise<CommuneReceiver> {
  const verifiers = secrets.map((secret) => new Webhook(secret));
  const requests: ReceiverRequest[] = [];
  const acted = new Map<string, Record<string, unknown>>();
  let clockOffsetMs = 0;

  const verify = (body: string, headers: Record<string, string>): Record<string, unknown> => {
    let refusal: unknown;
    for (const verifier of verifiers) {
      try {
        return atReceiverTime(Date.now() + clockOffsetMs, () => verifier.verify(body, headers)) as Record<
          string,
          unknown
        >;
      } catch (error) {
        refusal = error;
      }
    }
    throw refusal;
  };

  const server = createServer((request, response) => {
    void text(request).then((body) => {
      const headers = headersOf(request);
      let verified: Record<string, unknown>;
      try {
        verified = verify(body, headers);
      } catch (error) {
        requests.push({ headers, body, outcome: "rejected", reason: (error as Error).message });
        // Anything but the library's refusal is this receiver's own fault: 500, which the sender retries.
        response.writeHead(error instanceof WebhookVerificationError ? 401 : 500).end();
        return;
      }
      const id = headers["webhook-id"]!;
      const duplicate = acted.has(id);
      if (!duplicate) acted.set(id, verified);
      requests.push({ headers, body, outcome: duplicate ? "duplicate" : "accepted" });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/lienthong/webhooks`;

  return {
    url,
    requests,
    accepted: () => [...acted.values()],
    advanceClock(ms) {
      clockOffsetMs += ms;
    },
    async replay({ headers, body }) {
      const response = await fetch(url, {
        method: "POST",
        headers: Object.fromEntries(
          Object.entries(headers).filter(([name]) => name.startsWith("webhook-") || name === "content-type"),
        ),
        body,
        signal: AbortSignal.timeout(10_000),
      });
      return response.status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs the library's synchronous verify with `Date.now` reading the
 * receiver's clock: the library compares webhook-timestamp with Date.now()
 * and takes no clock. Nothing else runs meanwhile (no await), so the
 * service under test, in the same process, never sees this clock.
 */
function atReceiverTime<T>(nowMs: number, verify: () => T): T {
  const realNow = Date.now;
  Date.now = () => nowMs;
  try {
    return verify();
  } finally {
    Date.now = realNow;
  }
}

function headersOf(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) => (typeof value === "string" ? [[name, value]] : [])),
  );
}
