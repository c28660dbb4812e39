import { text } from "node:stream/consumers";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One webhook request as the commune system received it, and what it answered. */
export interface ReceivedWebhook {
  path: string;
  /** Lower-cased header names, as Node gives them. */
  headers: Record<string, string>;
  /** The exact bytes of the body as text: signatures are computed over these. */
  body: string;
  /** The dossier the body names, when it is JSON with a dossierId. */
  dossierId: string | undefined;
  answeredStatus: number;
  /** False until the answer has been sent (see delay). */
  answered: boolean;
}

export interface WebhookPeer {
  url(path: string): string;
  /** Every request, in arrival order (retries included). */
  received: ReceivedWebhook[];
  forDossier(dossierId: string): ReceivedWebhook[];
  /** Answers the next webhooks about a dossier with these HTTP statuses, in order; afterwards 204. */
  answer(dossierId: string, statuses: number[]): void;
  /** Answers every webhook about a dossier with this status. */
  answerAlways(dossierId: string, status: number): void;
  /** Answers the webhooks about a dossier only after `ms`: a slow commune system. */
  delay(dossierId: string, ms: number): void;
  /** An outage: stops listening (callers get "connection refused") until `recover()`. */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  recover(): Promise<void>;
  close(): Promise<void>;
}

/** A commune system's webhook endpoint: a real HTTP server on a free local port that records what it gets. */
export async function startWebhookPeer(): Promise<WebhookPeer> {
  const received: ReceivedWebhook[] = [];
  const scripted = new Map<string, number[]>();
  const always = new Map<string, number>();
  const delays = new Map<string, number>();

  const server = createServer((request, response) => {
    void text(request).then((body) => {
      const dossierId = dossierIdOf(body);
      const status =
        (dossierId !== undefined ? (scripted.get(dossierId)?.shift() ?? always.get(dossierId)) : undefined) ?? 204;
      const webhook: ReceivedWebhook = {
        path: request.url ?? "",
        headers: Object.fromEntries(
          Object.entries(request.headers).flatMap(([name, value]) =>
            typeof value === "string" ? [[name, value]] : Array.isArray(value) ? [[name, value.join(", ")]] : [],
          ),
        ),
        body,
        dossierId,
        answeredStatus: status,
        answered: false,
      };
      received.push(webhook);
      // Recorded before answering: once the sender sees the answer, the test sees the request.
      setTimeout(
        () => {
          webhook.answered = true;
          response.writeHead(status).end();
        },
        (dossierId !== undefined && delays.get(dossierId)) || 0,
      );
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;

  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    forDossier: (dossierId) => received.filter((webhook) => webhook.dossierId === dossierId),
    answer(dossierId, statuses) {
      scripted.set(dossierId, [...statuses]);
    },
    answerAlways(dossierId, status) {
      always.set(dossierId, status);
    },
    delay(dossierId, ms) {
      delays.set(dossierId, ms);
    },
    goDown: stop,
    recover: () => listen(port),
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}

function dossierIdOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const id = (parsed as { dossierId?: unknown } | null)?.dossierId;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
