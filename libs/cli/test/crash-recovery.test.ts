import { randomUUID } from "node:crypto";
import { tempDir, waitFor } from "@lienthong/testing";
import { acceptAndApprove, demoApplication } from "../src/demo";
import { startEmbeddedProcess, type EmbeddedProcess } from "./support/embedded-process";

async function json<T>(response: Promise<Response>): Promise<{ status: number; body: T }> {
  const settled = await response;
  return { status: settled.status, body: (await settled.json()) as T };
}

/**
 * Nothing acknowledged is lost: kill -9 the embedded platform the moment an
 * application is acknowledged, start it again on the same data directory, and
 * the flow completes.
 */
describe("embedded mode survives kill -9 right after an acknowledgement", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let platform: EmbeddedProcess | undefined;

  beforeAll(async () => {
    dir = await tempDir("lienthong-crash-");
  });

  afterAll(async () => {
    await platform?.stop();
    await dir.remove();
  });

  it("completes the flow of every acknowledged application after the restart", async () => {
    const dataDir = dir.file("data");
    platform = await startEmbeddedProcess(dataDir);
    // A burst in flight, and the crash as soon as half of it is acknowledged: most
    // acknowledged dossiers then have events not yet consumed by anyone.
    const submitted: string[] = [];
    let crashed: Promise<void> | undefined;
    const burst = Array.from({ length: 40 }, async () => {
      const response = await json<{ application: { dossierCode: string } }>(
        fetch(`${platform!.urls.intake}/v1/applications`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": randomUUID(),
            ...platform!.credentials.client,
          },
          body: JSON.stringify(demoApplication()),
        }),
      );
      expect(response.status).toBe(201);
      submitted.push(response.body.application.dossierCode);
      if (submitted.length === 20) crashed = platform!.kill9();
    });
    await Promise.allSettled(burst);
    await crashed;
    expect(submitted.length).toBeGreaterThanOrEqual(20);

    platform = await startEmbeddedProcess(dataDir);
    const { urls, credentials } = platform;
    for (const code of submitted) {
      await waitFor(
        async () => (await fetch(`${urls.routing}/v1/dossiers/${code}`, { headers: credentials.client })).ok,
        {
          timeoutMs: 20_000,
          description: `${code} registered at routing after the restart`,
        },
      );
      await acceptAndApprove(urls.routing, code, credentials.officialsOf(demoApplication().receivingUnitCode));
    }
    for (const code of submitted) {
      await waitFor(
        async () => {
          const { body } = await json<{ deliveries: { triggerType: string; stateName: string; channel: number }[] }>(
            fetch(`${urls.notification}/v1/dossiers/${code}/deliveries`, { headers: credentials.client }),
          );
          return body.deliveries.some(
            (d) =>
              d.triggerType === "gov.lienthong.dossier.result_issued.v1" &&
              d.stateName === "delivered" &&
              d.channel === 1,
          );
        },
        { timeoutMs: 30_000, description: `${code} result mailed after the restart` },
      );
      const { body } = await json<{ application: { status: number; timeline: { eventType: string }[] } }>(
        fetch(`${urls.intake}/v1/applications/${code}`, { headers: credentials.client }),
      );
      expect(body.application.status).toBe(9);
      // Exactly one submission event per dossier: a crash may duplicate deliveries, never the dossier's history.
      expect(
        body.application.timeline.filter((entry) => entry.eventType === "gov.lienthong.application.submitted.v1"),
      ).toHaveLength(1);
    }
  }, 120_000);
});
