import { randomBytes } from "node:crypto";
import { events } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS, startTelemetry, type Telemetry } from "@lienthong/service-host";
import { startCommuneReceiver, type CommuneReceiver, type ReceiverRequest } from "./support/commune-receiver";
import {
  EFFECT_TIMEOUT_MS,
  TAM_CHUNG_CLIENT,
  startNotification,
  type Dossier,
  type NotificationHarness,
} from "./support/notification-harness";

const { DeliveryChannel } = events;

/** A fresh Standard Webhooks secret, as a deployment would generate one: `whsec_` + base64 of 32 random bytes. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** The library's timestamp tolerance: 5 minutes either way. */
const TOLERANCE_MS = 5 * 60_000;

/**
 * Issue 13's acceptance: "a webhook receiver verifies the signature with its
 * own commune's secret, rejects another commune's secret and a replayed
 * request". Two commune systems, each a real HTTP server verifying with the
 * `standardwebhooks` library and the `whsec_` secret it holds: Mường Lát
 * (one secret) and Tam Chung, rotating (registered with the new secret and
 * the old one; its system still holds only the old one).
 */
describe("notification: commune receivers verify with their own secret and refuse replays", () => {
  const secrets = { muongLat: newSecret(), tamChungNew: newSecret(), tamChungOld: newSecret() };
  let muongLat: CommuneReceiver;
  let tamChung: CommuneReceiver;
  let harness: NotificationHarness;
  let telemetry: Telemetry;
  /** Per commune, its two dossiers' submitted and accepted events: the webhooks each should act on once. */
  const expected: Record<"muongLat" | "tamChung", string[]> = { muongLat: [], tamChung: [] };
  const dossiers: Dossier[] = [];

  beforeAll(async () => {
    // Spans kept in memory (no OTLP endpoint), as a service without a collector keeps them: read back at /ops/spans.
    telemetry = startTelemetry({ serviceName: "notification" });
    muongLat = await startCommuneReceiver([secrets.muongLat]);
    tamChung = await startCommuneReceiver([secrets.tamChungOld]);
    harness = await startNotification(
      {},
      {
        communeWebhooks: {
          muongLat: { url: muongLat.url, secrets: [secrets.muongLat] },
          tamChung: { url: tamChung.url, secrets: [secrets.tamChungNew, secrets.tamChungOld] },
        },
      },
    );
    for (const commune of ["muongLat", "tamChung"] as const) {
      for (let n = 0; n < 2; n++) {
        const dossier = await harness.submit(commune === "tamChung" ? { clientId: TAM_CHUNG_CLIENT } : {});
        dossiers.push(dossier);
        expected[commune].push(dossier.submittedEventId, await harness.accept(dossier));
      }
    }
    for (const dossier of dossiers) {
      await harness.waitForDeliveries(
        dossier.dossierCode,
        (listed) =>
          listed.filter((d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK && d.stateName !== "pending")
            .length === 2,
        `both webhooks of ${dossier.dossierCode} settled`,
      );
    }
  }, 3 * EFFECT_TIMEOUT_MS);

  afterAll(async () => {
    await harness?.stop();
    await Promise.all([muongLat?.close(), tamChung?.close()]);
    await telemetry?.shutdown();
  });

  const outcomes = (receiver: CommuneReceiver) => receiver.requests.map((request) => request.outcome);
  /** The first request a receiver acted on (the replays below start from a message seen on the wire). */
  const captured = (receiver: CommuneReceiver): ReceiverRequest =>
    receiver.requests.find((request) => request.outcome === "accepted")!;

  it("delivers every webhook to its commune's receiver, which verifies it: exactly once per event and endpoint", () => {
    for (const [commune, receiver] of [
      ["muongLat", muongLat],
      ["tamChung", tamChung],
    ] as const) {
      // Nothing refused, nothing repeated: each of the commune's events once, and no other commune's.
      expect(outcomes(receiver)).toEqual(expected[commune].map(() => "accepted"));
      expect(
        receiver
          .accepted()
          .map((body) => body.eventId)
          .sort(),
      ).toEqual([...expected[commune]].sort());
    }
  });

  it("names each webhook by its notification id (webhook-id), the key a receiver deduplicates on", async () => {
    const listed = (await Promise.all(dossiers.map((dossier) => harness.deliveries(dossier.dossierCode)))).flat();
    const webhooks = listed.filter((delivery) => delivery.channel === DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK);
    expect(webhooks.map((delivery) => delivery.stateName)).toEqual(webhooks.map(() => "delivered"));
    const webhookIds = [...muongLat.requests, ...tamChung.requests].map((request) => request.headers["webhook-id"]);
    expect(webhookIds.sort()).toEqual(webhooks.map((delivery) => delivery.notificationId).sort());
  });

  it("a receiver holding another commune's secret rejects the message, and does not act on it", async () => {
    const fromMuongLat = captured(muongLat);
    const fromTamChung = captured(tamChung);
    const before = { muongLat: muongLat.accepted().length, tamChung: tamChung.accepted().length };

    expect(await tamChung.replay(fromMuongLat)).toBe(401);
    expect(await muongLat.replay(fromTamChung)).toBe(401);
    const newSecretOnly = await startCommuneReceiver([secrets.tamChungNew]);
    try {
      expect(await newSecretOnly.replay(fromMuongLat)).toBe(401);
      expect(newSecretOnly.requests.map((r) => r.reason)).toEqual(["No matching signature found"]);
    } finally {
      await newSecretOnly.close();
    }
    expect(tamChung.requests.at(-1)).toMatchObject({ outcome: "rejected", reason: "No matching signature found" });
    expect(muongLat.requests.at(-1)).toMatchObject({ outcome: "rejected", reason: "No matching signature found" });
    expect({ muongLat: muongLat.accepted().length, tamChung: tamChung.accepted().length }).toEqual(before);
  });

  it("during Tam Chung's rotation, a receiver holding only the old or only the new secret verifies the same message", async () => {
    const message = captured(tamChung);
    // The live receiver holds only the old secret, and verified it (above); one that already switched:
    const newSecretOnly = await startCommuneReceiver([secrets.tamChungNew]);
    try {
      expect(await newSecretOnly.replay(message)).toBe(204);
      expect(outcomes(newSecretOnly)).toEqual(["accepted"]);
      expect(newSecretOnly.accepted()).toEqual([JSON.parse(message.body)]);
    } finally {
      await newSecretOnly.close();
    }
    expect(message.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
  });

  it("a replayed request is not acted on: the same webhook-id is a duplicate, and past the tolerance the library rejects it", async () => {
    const message = captured(muongLat);
    const actedOn = muongLat.accepted().length;

    // Within the window: the signature and timestamp verify, so the receiver's memory of ids stops it.
    expect(await muongLat.replay(message)).toBe(204);
    expect(muongLat.requests.at(-1)!.outcome).toBe("duplicate");
    expect(muongLat.accepted()).toHaveLength(actedOn);

    // A receiver that keeps ids only for the tolerance (here: one that never saw it) is safe past it:
    // the same bytes and headers, once its clock is 5 minutes past webhook-timestamp, are refused.
    const forgetful = await startCommuneReceiver([secrets.muongLat]);
    try {
      forgetful.advanceClock(TOLERANCE_MS - 30_000);
      expect(await forgetful.replay(message)).toBe(204);
      forgetful.advanceClock(60_000);
      expect(await forgetful.replay(message)).toBe(401);
      expect(forgetful.requests.map((r) => [r.outcome, r.reason])).toEqual([
        ["accepted", undefined],
        ["rejected", "Message timestamp too old"],
      ]);
    } finally {
      await forgetful.close();
    }
  });

  it("no secret appears in the logs, spans, metrics, listings or outcome events", async () => {
    const spans = await harness.call("GET", "/ops/spans?limit=10000", {
      token: await harness.token(DEVELOPMENT_OFFICIALS.operator),
    });
    expect(spans.status).toBe(200);
    expect(spans.text).toContain("notification.deliver");
    const metrics = await (
      await fetch(`${harness.running.opsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
    ).text();
    const listings = await Promise.all(dossiers.map((dossier) => harness.deliveries(dossier.dossierCode)));
    const seen = [
      ...harness.logLines,
      spans.text,
      metrics,
      JSON.stringify(listings),
      ...harness.outcomes.map((event) => Buffer.from(event.data).toString("latin1")),
    ].join("\n");
    expect(harness.logLines.length).toBeGreaterThan(0);
    for (const secret of Object.values(secrets)) {
      // The whole secret, and its key's base64 alone.
      expect(seen).not.toContain(secret);
      expect(seen).not.toContain(secret.slice("whsec_".length));
    }
  });
});
