import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { verifyWebhook } from "@lienthong/notification";

/** One webhook call the sink answered: its Standard Webhooks id and, when its signature checked out, its body. */
export interface SunkWebhook {
  webhookId: string;
  verified: boolean;
  /** The platform's webhook body (ids, type and status only); undefined when unverified or not JSON. */
  body?: { type?: string; eventId?: string; dossierId?: string; status?: number };
}

export interface WebhookSink {
  /** Where the platform posts (WEBHOOK_DEFAULT_URL). */
  url: string;
  /** Every call, in arrival order and without a cap: a call repeated after a crash is here twice. */
  received: readonly SunkWebhook[];
  close(): Promise<void>;
}

/**
 * A commune system's webhook endpoint for the checker: it verifies each call's
 * signature as a commune system must, answers 204, and remembers every call —
 * unlike the commune simulator, which keeps the last thousand for people to
 * look at.
 */
export async function startWebhookSink(secret: string): Promise<WebhookSink> {
  const received: SunkWebhook[] = [];
  const app = express();
  app.post("/webhooks", express.text({ type: "application/json" }), (request, response) => {
    const raw = typeof request.body === "string" ? request.body : "";
    const headers = {
      "webhook-id": request.header("webhook-id") ?? "",
      "webhook-timestamp": request.header("webhook-timestamp") ?? "",
      "webhook-signature": request.header("webhook-signature") ?? "",
    };
    let body: SunkWebhook["body"];
    try {
      body = verifyWebhook(secret, raw, headers) as SunkWebhook["body"];
    } catch {
      body = undefined;
    }
    received.push({ webhookId: headers["webhook-id"], verified: body !== undefined, body });
    response.status(body === undefined ? 401 : 204).end();
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
