import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { verifyWebhook } from "@lienthong/notification";

/** A webhook call as the simulated commune system recorded it (ids and status only; bodies carry no personal data). */
export interface ReceivedWebhook {
  id: string;
  verified: boolean;
  body: unknown;
  receivedAt: string;
}

/**
 * Embedded mode's stand-in for a commune system: it receives the platform's
 * status webhooks, verifies their Standard Webhooks signature the way a real
 * commune system must, and lists what it got at GET /webhooks.
 */
export async function startCommuneSimulator(
  secret: string,
  port: number,
  host = "127.0.0.1",
): Promise<{ url: string; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  const app = express();
  app.post("/webhooks", express.text({ type: "application/json" }), (request, response) => {
    const body = typeof request.body === "string" ? request.body : "";
    const headers = {
      "webhook-id": request.header("webhook-id") ?? "",
      "webhook-timestamp": request.header("webhook-timestamp") ?? "",
      "webhook-signature": request.header("webhook-signature") ?? "",
    };
    let verified = true;
    try {
      verifyWebhook(secret, body, headers);
    } catch {
      verified = false;
    }
    received.push({
      id: headers["webhook-id"],
      verified,
      body: verified ? JSON.parse(body) : null,
      receivedAt: new Date().toISOString(),
    });
    if (received.length > 1000) received.shift();
    response.status(verified ? 204 : 401).end();
  });
  app.get("/webhooks", (_request, response) => {
    response.json({ webhooks: received });
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(port, host, () => resolve(listening));
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${actual}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
