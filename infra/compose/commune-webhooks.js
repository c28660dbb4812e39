"use strict";
// Service `commune-webhooks` of docker-compose.yml, run in the services image:
// the commune systems' end of the platform's webhooks, in a stack that has no
// commune system. The credentials job registers each client's webhook URL as
// <this server>/webhooks/<clientId>; the server checks every call with that
// client's secrets from CLIENTS_FILE, as a commune system must (Standard
// Webhooks, `verifyWebhook` of @lienthong/notification), answers 204, or 401
// when the signature does not verify (notification then stops retrying), and
// counts what it got: GET /webhooks. A real commune system's URL replaces
// the stand-in's in CLIENTS_FILE (infra/README.md, "Clients and officials").
//
//   CLIENTS_FILE   the platform's clients (the same file the services read)
//   HTTP_HOST      default 0.0.0.0
//   HTTP_PORT      default 8090 (the image's healthcheck probes GET /readyz on it)
const fs = require("node:fs");
const http = require("node:http");
const { verifyWebhook } = require("@lienthong/notification");

/** A webhook body is ids and a status; anything much larger is not one. */
const MAX_BODY_BYTES = 64 * 1024;
/** How many recent calls GET /webhooks shows per client. */
const RECENT = 20;

function secretsByClient(file) {
  const { clients } = JSON.parse(fs.readFileSync(file, "utf8"));
  return new Map(clients.filter((client) => client.webhook).map((client) => [client.clientId, client.webhook.secrets]));
}

/** Verified when any of the client's secrets verifies the signature (a rotation lists two). */
function verifies(secrets, body, headers) {
  return secrets.some((secret) => {
    try {
      verifyWebhook(secret, body, headers);
      return true;
    } catch {
      return false;
    }
  });
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("body too large"));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/** Starts the server; resolves with its URL and a close function. */
function startCommuneWebhooks({ clientsFile, host, port }) {
  const secrets = secretsByClient(clientsFile);
  /** clientId → { verified, refused, recent: [{ id, type, status, receivedAt }] } (ids and status only, as the bodies). */
  const received = new Map([...secrets.keys()].map((clientId) => [clientId, { verified: 0, refused: 0, recent: [] }]));

  async function handle(request, response) {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method === "GET" && (url.pathname === "/readyz" || url.pathname === "/healthz")) {
      response.writeHead(200).end();
      return;
    }
    if (request.method === "GET" && url.pathname === "/webhooks") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Object.fromEntries(received)));
      return;
    }
    const clientId = /^\/webhooks\/([^/]+)$/.exec(url.pathname)?.[1];
    if (request.method !== "POST" || clientId === undefined) {
      response.writeHead(404).end();
      return;
    }
    const counts = received.get(clientId);
    if (!counts) {
      response.writeHead(404).end();
      return;
    }
    const body = await readBody(request);
    const headers = {
      "webhook-id": request.headers["webhook-id"] ?? "",
      "webhook-timestamp": request.headers["webhook-timestamp"] ?? "",
      "webhook-signature": request.headers["webhook-signature"] ?? "",
    };
    if (!verifies(secrets.get(clientId), body, headers)) {
      counts.refused += 1;
      response.writeHead(401).end();
      return;
    }
    const { type, status } = JSON.parse(body);
    counts.verified += 1;
    counts.recent.unshift({ id: headers["webhook-id"], type, status, receivedAt: new Date().toISOString() });
    counts.recent.length = Math.min(counts.recent.length, RECENT);
    response.writeHead(204).end();
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(400);
      response.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`,
        close: () => new Promise((closed) => server.close(() => closed())),
      });
    });
  });
}

module.exports = { startCommuneWebhooks };

if (require.main === module) {
  const clientsFile = process.env.CLIENTS_FILE;
  if (!clientsFile) {
    process.stderr.write("commune-webhooks: CLIENTS_FILE is required\n");
    process.exit(2);
  }
  startCommuneWebhooks({
    clientsFile,
    host: process.env.HTTP_HOST || "0.0.0.0",
    port: Number(process.env.HTTP_PORT ?? 8090),
  }).then(
    ({ url, close }) => {
      process.stdout.write(`commune-webhooks: listening on ${url}, clients from ${clientsFile}\n`);
      process.once("SIGTERM", () => void close().then(() => process.exit(0)));
    },
    (error) => {
      process.stderr.write(`commune-webhooks: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
