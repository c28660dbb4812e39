import { DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { DEVELOPMENT_WEBHOOK_SECRET } from "../src";
import {
  EFFECT_TIMEOUT_MS,
  TAM_CHUNG_CLIENT,
  WEBHOOK_PATHS,
  WEBHOOK_SECRETS,
  startNotification,
  verifiedBody,
  type Dossier,
  type NotificationHarness,
} from "./support/notification-harness";
import type { ReceivedWebhook } from "./support/webhook-peer";

/** The submission's webhook of a dossier, once delivered. */
async function submissionWebhook(harness: NotificationHarness, dossier: Dossier): Promise<ReceivedWebhook> {
  await harness.waitForDeliveries(
    dossier.dossierCode,
    (listed) => listed.length === 1 && listed[0]!.stateName === "delivered",
    `the submission webhook of ${dossier.dossierCode} delivered`,
  );
  const received = harness.webhooks.forDossier(dossier.dossierId);
  expect(received).toHaveLength(1);
  return received[0]!;
}

/** The `v1,<signature>` entries of a webhook-signature header. */
const signaturesOf = (webhook: ReceivedWebhook) => (webhook.headers["webhook-signature"] ?? "").split(" ");

describe("notification: each commune system's own webhook endpoint and secrets", () => {
  let harness: NotificationHarness;
  let muongLat: ReceivedWebhook;
  let tamChung: ReceivedWebhook;

  beforeAll(async () => {
    harness = await startNotification();
    const muongLatDossier = await harness.submit();
    const tamChungDossier = await harness.submit({ clientId: TAM_CHUNG_CLIENT });
    muongLat = await submissionWebhook(harness, muongLatDossier);
    tamChung = await submissionWebhook(harness, tamChungDossier);
  }, 2 * EFFECT_TIMEOUT_MS);

  afterAll(async () => {
    await harness?.stop();
  });

  it("calls each commune system at the URL of its registration", () => {
    expect(muongLat.path).toBe(WEBHOOK_PATHS.muongLat);
    expect(tamChung.path).toBe(WEBHOOK_PATHS.tamChung);
    expect(harness.webhooks.received.filter((webhook) => webhook.path === WEBHOOK_PATHS.default)).toEqual([]);
  });

  it("Mường Lát's receiver verifies with Mường Lát's secret, and another commune's secret does not verify", () => {
    expect(signaturesOf(muongLat)).toEqual([expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/)]);
    expect(verifiedBody(muongLat, WEBHOOK_SECRETS.muongLat)).toMatchObject({ status: 1 });
    for (const other of [
      WEBHOOK_SECRETS.tamChungCurrent,
      WEBHOOK_SECRETS.tamChungPrevious,
      DEVELOPMENT_WEBHOOK_SECRET,
    ]) {
      expect(() => verifiedBody(muongLat, other)).toThrow(/signature/i);
    }
  });

  it("during Tam Chung's rotation from a text secret to a whsec_ one, every call carries one signature per secret: a receiver holding either verifies", () => {
    expect(signaturesOf(tamChung)).toEqual([
      expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/),
      expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/),
    ]);
    // A receiver that already switched to the new secret (whsec_), and one still on the old (text).
    expect(verifiedBody(tamChung, WEBHOOK_SECRETS.tamChungCurrent)).toMatchObject({ status: 1 });
    expect(verifiedBody(tamChung, WEBHOOK_SECRETS.tamChungPrevious)).toMatchObject({ status: 1 });
    expect(() => verifiedBody(tamChung, WEBHOOK_SECRETS.muongLat)).toThrow(/signature/i);
    // Each signature is that of one secret: dropping the other leaves a webhook its holder alone verifies.
    const [current, previous] = signaturesOf(tamChung);
    const only = (signature: string) => ({
      ...tamChung,
      headers: { ...tamChung.headers, "webhook-signature": signature },
    });
    expect(() => verifiedBody(only(current!), WEBHOOK_SECRETS.tamChungCurrent)).not.toThrow();
    expect(() => verifiedBody(only(current!), WEBHOOK_SECRETS.tamChungPrevious)).toThrow(/signature/i);
    expect(() => verifiedBody(only(previous!), WEBHOOK_SECRETS.tamChungPrevious)).not.toThrow();
  });
});

describe("notification: the development clients (no CLIENTS, embedded mode)", () => {
  it(
    "send to WEBHOOK_DEFAULT_URL, signed with WEBHOOK_SIGNING_SECRET or else the public development secret",
    async () => {
      const ownSecret = "a-simulator-secret-chosen-by-the-developer";
      for (const [env, secret] of [
        [{}, DEVELOPMENT_WEBHOOK_SECRET],
        [{ WEBHOOK_SIGNING_SECRET: ownSecret }, ownSecret],
      ] as const) {
        const harness = await startNotification(env, { development: true });
        try {
          const dossier = await harness.submit({ clientId: DEVELOPMENT_CLIENTS.tamChung.clientId });
          const webhook = await submissionWebhook(harness, dossier);
          expect(webhook.path).toBe(WEBHOOK_PATHS.default);
          expect(verifiedBody(webhook, secret)).toMatchObject({ dossierId: dossier.dossierId, status: 1 });
          expect(signaturesOf(webhook)).toHaveLength(1);
        } finally {
          await harness.stop();
        }
      }
    },
    2 * EFFECT_TIMEOUT_MS,
  );
});
