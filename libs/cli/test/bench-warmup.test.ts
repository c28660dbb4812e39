/**
 * The end-to-end search's warm-up (followInTurn): dossiers followed a few at
 * a time, against an intake that holds each submission a moment and then
 * refuses it — how many it is sent at once, and that none follows a refusal.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { followInTurn } from "../src/bench/end-to-end";
import type { DemoCredentials } from "../src/dev-credentials";
import { platformUrls } from "../src/platform-urls";
import { ResultMailbox } from "../src/bench/result-mailbox";

describe("the end-to-end search's warm-up", () => {
  let server: Server;
  let mailbox: ResultMailbox;
  let submissions = 0;
  let inFlight = 0;
  let mostInFlight = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      submissions += 1;
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      request.resume();
      void sleep(100).then(() => {
        inFlight -= 1;
        response.statusCode = 503;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    mailbox = await ResultMailbox.open();
  });

  afterAll(async () => {
    await mailbox.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it("follows at most its number in flight and starts no dossier once one stopped short", async () => {
    const { port } = server.address() as AddressInfo;
    // Every service's URL counts up from intake's; only intake's is called here.
    const urls = platformUrls("127.0.0.1", port);
    const credentials: DemoCredentials = {
      client: { "x-api-key": "bench" },
      operator: {},
      officialsOf: () => {
        throw new Error("no dossier gets as far as its officials here");
      },
    };
    const stoppedAt = await followInTurn(
      { urls, credentials, mailbox },
      { dossiers: 20, inFlight: 3, timeoutSeconds: 5, pollIntervalMs: 50 },
    );
    expect(stoppedAt).toBe("submit (HTTP 503)");
    // The three followers' first dossiers were refused together; not one of the other seventeen was submitted.
    expect(submissions).toBe(3);
    expect(mostInFlight).toBe(3);
  });
});
