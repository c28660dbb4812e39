import { createHash } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";
import { Webhook } from "standardwebhooks";

/** One call to the SMS gateway or to ZNS, as the provider received it. */
export interface GatewayRequest {
  gateway: "sms" | "zns";
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** The number it is for (SMS `phone`, ZNS `phone`). */
  phone: string;
  /** The id the provider deduplicates on: SMS `requestId`, ZNS `tracking_id`. */
  requestId: string;
  /** When the request arrived (its headers), in ms since the epoch: a provider counts its rate on these. */
  arrivedAt: number;
}

/**
 * How the provider answers one call: an HTTP status (ZNS: with `error: 0`
 * when 200), a ZNS error code (HTTP 200, `error` ≠ 0: Zalo's refusal),
 * a raw ZNS body (HTTP 200, e.g. one without `error`), "timeout" (the answer
 * comes only after `slowMs`, past notification's timeout; the provider still
 * took the message), "hold" (no answer until `release()`: the caller may die
 * meanwhile), or "reset" (the provider took the request and the connection
 * drops before any answer).
 */
export type GatewayAnswer = number | { znsError: number } | { znsBody: string } | "timeout" | "hold" | "reset";

export interface GatewayPeer {
  /** SMS_GATEWAY_URL and ZNS_API_URL. */
  smsUrl: string;
  znsUrl: string;
  /** Every call, in arrival order (retries included). */
  requests: GatewayRequest[];
  forPhone(phone: string, gateway?: "sms" | "zns"): GatewayRequest[];
  /**
   * The distinct request ids it received for a number, whatever it answered:
   * the messages an SMS gateway sends under the contract (it deduplicates on
   * the id). Zalo does not deduplicate: for ZNS every call counts (forPhone).
   */
  logicalMessages(phone: string, gateway: "sms" | "zns"): string[];
  /** Answers the next calls for a number with these answers, in order; afterwards 200 (ZNS: error 0). */
  answer(phone: string, gateway: "sms" | "zns", answers: GatewayAnswer[]): void;
  /** Answers the held calls (see "hold") with 200 in their gateway's shape, if their caller is still there. */
  release(): void;
  /**
   * Posts a delivery receipt to notification as the provider would, signed
   * with `secret` (Standard Webhooks); resolves with notification's answer.
   */
  sendReceipt(
    url: string,
    secret: string,
    receipt: { requestId: string; status: string } | string,
    options?: { tamper?: (body: string) => string; timestamp?: Date },
  ): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** Phone numbers as a gateway receives them: 84 and nine digits. */
export function asGatewayPhone(phone: string): string {
  return `84${phone.slice(1)}`;
}

/**
 * A brand-name SMS gateway and Zalo's ZNS template API on one real HTTP
 * server: POST /sms and POST /zns, scripted per number.
 */
export async function startGatewayPeer(options: { slowMs?: number } = {}): Promise<GatewayPeer> {
  const slowMs = options.slowMs ?? 3_000;
  const requests: GatewayRequest[] = [];
  const scripted = new Map<string, GatewayAnswer[]>();
  const held: { gateway: "sms" | "zns"; response: ServerResponse }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const ok = (gateway: "sms" | "zns", response: ServerResponse) => {
    if (response.destroyed) return;
    response
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify(gateway === "zns" ? { error: 0, message: "Success", data: { msg_id: "m1" } } : {}));
  };

  const server = createServer((request, response) => {
    const arrivedAt = Date.now();
    void text(request).then((raw) => {
      const gateway = request.url === "/zns" ? "zns" : "sms";
      const body = JSON.parse(raw) as Record<string, unknown>;
      const phone = String(body.phone);
      requests.push({
        gateway,
        headers: Object.fromEntries(
          Object.entries(request.headers).flatMap(([name, value]) =>
            typeof value === "string" ? [[name, value]] : [],
          ),
        ),
        body,
        phone,
        requestId: String(gateway === "zns" ? body.tracking_id : body.requestId),
        arrivedAt,
      });
      const answer = scripted.get(`${gateway} ${phone}`)?.shift() ?? 200;
      if (answer === "hold") held.push({ gateway, response });
      else if (answer === "reset") request.socket.destroy();
      else if (answer === "timeout") {
        const timer = setTimeout(() => {
          timers.delete(timer);
          ok(gateway, response);
        }, slowMs);
        timers.add(timer);
      } else if (typeof answer === "object" && "znsBody" in answer) {
        response.writeHead(200, { "content-type": "application/json" }).end(answer.znsBody);
      } else if (typeof answer === "object") {
        response
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ error: answer.znsError, message: `refused for ${phone}` }));
      } else if (answer === 200) ok(gateway, response);
      else response.writeHead(answer, { "content-type": "application/json" }).end(`{"message":"refused ${phone}"}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    smsUrl: `${base}/sms`,
    znsUrl: `${base}/zns`,
    requests,
    forPhone: (phone, gateway) =>
      requests.filter((r) => r.phone === asGatewayPhone(phone) && (!gateway || r.gateway === gateway)),
    logicalMessages: (phone, gateway) => [
      ...new Set(
        requests.filter((r) => r.phone === asGatewayPhone(phone) && r.gateway === gateway).map((r) => r.requestId),
      ),
    ],
    answer(phone, gateway, answers) {
      scripted.set(`${gateway} ${asGatewayPhone(phone)}`, [...answers]);
    },
    release() {
      for (const { gateway, response } of held.splice(0)) ok(gateway, response);
    },
    async sendReceipt(url, secret, receipt, options = {}) {
      const { tamper = (body: string) => body, timestamp = new Date() } = options;
      // A string is sent as it is (a body that is not a receipt, or not JSON).
      const body = typeof receipt === "string" ? receipt : JSON.stringify(receipt);
      const id = `receipt-${createHash("sha256").update(body).digest("hex").slice(0, 24)}`;
      const signer = new Webhook(
        secret.startsWith("whsec_") ? secret : `whsec_${Buffer.from(secret, "utf8").toString("base64")}`,
      );
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
          "webhook-signature": signer.sign(id, timestamp, body),
        },
        body: tamper(body),
        signal: AbortSignal.timeout(10_000),
      });
      const answered = await response.text();
      const json = (() => {
        try {
          return JSON.parse(answered) as unknown;
        } catch {
          return answered;
        }
      })();
      return { status: response.status, body: answered ? json : undefined };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
