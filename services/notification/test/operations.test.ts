import { randomUUID } from "node:crypto";
import { EventTypes, common, decodeEvent, events } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { recordResponses, waitFor } from "@lienthong/testing";
import {
  EFFECT_TIMEOUT_MS,
  TAM_CHUNG_CLIENT,
  WEBHOOK_SECRETS,
  startNotification,
  verifiedBody,
  type Credentials,
  type NotificationHarness,
  type RestReply,
} from "./support/notification-harness";

const { operator, auditor, leaderMuongLat } = DEVELOPMENT_OFFICIALS;
const { DeliveryChannel } = events;

interface Endpoint {
  endpointId: string;
  clientIds: string[];
  state: "active" | "suspended";
  held: number;
}

/**
 * Operators resend one delivery and redrive a webhook endpoint (REST, token
 * alone, `operator` role), for their own province: no credential 401, another
 * role 403, another province's delivery or endpoint 404 like an unknown one;
 * every decision in the audit log.
 */
describe("notification: operators resend deliveries and redrive endpoints", () => {
  // Every REST answer below is checked against the service's OpenAPI document by the last test.
  const responses = recordResponses();
  afterAll(() => responses.stop());

  let harness: NotificationHarness;
  let tokens: Record<"operator" | "leader" | "otherProvince" | "auditor", string>;

  beforeAll(async () => {
    harness = await startNotification({ NOTIFICATION_ENDPOINT_SUSPEND_AFTER: "2" });
    tokens = {
      operator: await harness.token(operator),
      leader: await harness.token(leaderMuongLat),
      // An operator of Hà Nội: Thanh Hoá's deliveries and endpoints are not theirs.
      otherProvince: await harness.token({
        subject: "van-hanh-ha-noi",
        name: "Cán bộ vận hành Hà Nội",
        unitCodes: ["01"],
        roles: ["operator"],
      }),
      auditor: await harness.token(auditor),
    };
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const problem = (reply: RestReply) => ({ status: reply.status, code: (reply.body as { code?: string }).code });

  /** The answers without a credential, with an API key alone, another role, another province. */
  const refusals = async (method: "GET" | "POST", path: string) => {
    const as = async (credentials: Credentials) => problem(await harness.call(method, path, credentials));
    return {
      none: await as({}),
      apiKey: await as({ apiKey: harness.keys.muongLat }),
      otherRole: await as({ token: tokens.leader }),
      otherProvince: await as({ token: tokens.otherProvince }),
    };
  };

  const endpointOf = async (clientId: string): Promise<Endpoint> => {
    const reply = await harness.call("GET", "/ops/webhook-endpoints", { token: tokens.operator });
    expect(reply.status).toBe(200);
    const found = (reply.body as { endpoints: Endpoint[] }).endpoints.find((e) => e.clientIds.includes(clientId));
    if (!found) throw new Error(`no endpoint listed for ${clientId}`);
    return found;
  };

  describe("POST /ops/deliveries/:notificationId/resend", () => {
    test(
      "sends a delivered webhook and mail again, the webhook with its id, the mail under a new Message-ID; 202 and delivered again",
      async () => {
        const email = "gui.lai@example.vn";
        const dossier = await harness.submit({ applicant: { email } });
        await harness.handled(
          await harness.publish("applicationAccepted", {
            dossierId: dossier.dossierId,
            dossierCode: dossier.dossierCode,
            status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
          }),
        );
        const listed = await harness.waitForDeliveries(
          dossier.dossierCode,
          (all) => all.length === 3 && all.every((d) => d.stateName === "delivered"),
          "delivered",
        );
        const mail = listed.find((d) => d.channel === DeliveryChannel.DELIVERY_CHANNEL_EMAIL)!;
        const webhook = listed.find(
          (d) =>
            d.channel === DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK &&
            d.triggerType === EventTypes.applicationAccepted.type,
        )!;

        for (const delivery of [webhook, mail]) {
          const reply = await harness.call("POST", `/ops/deliveries/${delivery.notificationId}/resend`, {
            token: tokens.operator,
          });
          expect(reply.status).toBe(202);
          expect(reply.body).toEqual({
            notificationId: delivery.notificationId,
            dossierId: dossier.dossierId,
            state: "pending",
          });
        }
        await harness.waitForDeliveries(
          dossier.dossierCode,
          (all) =>
            all.every((d) => d.stateName === "delivered") &&
            all
              .filter((d) => d.attempts === 2)
              .map((d) => d.notificationId)
              .sort()
              .join() === [webhook.notificationId, mail.notificationId].sort().join(),
          "both resent and delivered again",
        );
        const calls = harness.webhooks
          .forDossier(dossier.dossierId)
          .filter((call) => call.headers["webhook-id"] === webhook.notificationId);
        expect(calls).toHaveLength(2);
        expect(calls.map((call) => verifiedBody(call).status)).toEqual([2, 2]);
        // The webhook keeps its id (its receiver deduplicates on it); the mail gets a Message-ID of its own, or a
        // mailbox that saw the first may drop it.
        expect(harness.mail.to(email).map((m) => m.headers.get("message-id"))).toEqual([
          `<${mail.notificationId}@lienthong>`,
          `<${mail.notificationId}.1@lienthong>`,
        ]);
      },
      2 * EFFECT_TIMEOUT_MS,
    );

    test("a delivery still waiting to be sent is 409; unknown and malformed ids 404", async () => {
      const dossierId = randomUUID();
      harness.webhooks.answerAlways(dossierId, 503);
      const dossier = await harness.submit({ dossierId });
      const [pending] = await harness.waitForDeliveries(
        dossier.dossierCode,
        (all) => all[0]?.attempts !== undefined && all[0].attempts >= 1,
        "an attempt that failed",
      );
      const busy = await harness.call("POST", `/ops/deliveries/${pending!.notificationId}/resend`, {
        token: tokens.operator,
      });
      expect(problem(busy)).toEqual({ status: 409, code: "FAILED_PRECONDITION" });
      for (const id of [randomUUID(), "038195004217"]) {
        const reply = await harness.call("POST", `/ops/deliveries/${id}/resend`, { token: tokens.operator });
        expect(problem(reply)).toEqual({ status: 404, code: "NOT_FOUND" });
        expect(reply.text).not.toContain("038195004217");
      }
    });

    test("no token 401, an API key alone 401, another role 403, another province's operator 404", async () => {
      const dossier = await harness.submit();
      const [delivery] = await harness.waitForDeliveries(
        dossier.dossierCode,
        (all) => all[0]?.stateName === "delivered",
        "delivered",
      );
      const path = `/ops/deliveries/${delivery!.notificationId}/resend`;
      expect(await refusals("POST", path)).toEqual({
        none: { status: 401, code: "UNAUTHENTICATED" },
        apiKey: { status: 401, code: "UNAUTHENTICATED" },
        otherRole: { status: 403, code: "PERMISSION_DENIED" },
        otherProvince: { status: 404, code: "NOT_FOUND" },
      });
      // Nothing was resent by any of them.
      expect((await harness.deliveries(dossier.dossierCode))[0]).toMatchObject({ stateName: "delivered", attempts: 1 });
    });
  });

  describe("webhook endpoints", () => {
    test(
      "an operator redrives a suspended endpoint: resumed at once (one event), held deliveries sent in order",
      async () => {
        const first = randomUUID();
        // Two failures suspend Tam Chung's endpoint (NOTIFICATION_ENDPOINT_SUSPEND_AFTER=2); then it answers again.
        harness.webhooks.answer(first, [503, 503]);
        const dossier = await harness.submit({ dossierId: first, clientId: TAM_CHUNG_CLIENT });
        await waitFor(async () => (await endpointOf(TAM_CHUNG_CLIENT)).state === "suspended", {
          description: "Tam Chung's endpoint suspended",
          timeoutMs: EFFECT_TIMEOUT_MS,
        });
        const second = await harness.submit({ clientId: TAM_CHUNG_CLIENT });
        await waitFor(async () => (await endpointOf(TAM_CHUNG_CLIENT)).held === 2, {
          description: "both webhooks held",
          timeoutMs: EFFECT_TIMEOUT_MS,
        });
        const { endpointId } = await endpointOf(TAM_CHUNG_CLIENT);
        const path = `/ops/webhook-endpoints/${endpointId}/redrive`;
        expect(await refusals("POST", path)).toEqual({
          none: { status: 401, code: "UNAUTHENTICATED" },
          apiKey: { status: 401, code: "UNAUTHENTICATED" },
          otherRole: { status: 403, code: "PERMISSION_DENIED" },
          otherProvince: { status: 404, code: "NOT_FOUND" },
        });
        expect(await endpointOf(TAM_CHUNG_CLIENT)).toMatchObject({ state: "suspended", held: 2 });

        const reply = await harness.call("POST", path, { token: tokens.operator });
        expect(reply.status).toBe(202);
        expect(reply.body).toEqual({ endpointId, state: "active", released: 2 });
        for (const d of [dossier, second]) {
          await harness.waitForDeliveries(d.dossierCode, (all) => all[0]?.stateName === "delivered", "delivered");
        }
        const delivered = harness.webhooks.received.filter(
          (call) => (call.dossierId === first || call.dossierId === second.dossierId) && call.answeredStatus === 204,
        );
        expect(delivered.map((call) => call.dossierId)).toEqual([first, second.dossierId]);
        expect(verifiedBody(delivered[0]!, WEBHOOK_SECRETS.tamChungCurrent)).toMatchObject({ status: 1 });

        const events = harness.outcomes
          .filter((event) => event.key === endpointId)
          .map((event) => decodeEvent(event.type, event.data));
        expect(events.map((event) => event.name)).toEqual([
          "notificationEndpointSuspended",
          "notificationEndpointResumed",
        ]);
        expect(events[1]!.payload).toMatchObject({ resumedBy: "operator", releasedDeliveries: 2 });
        // Redriving an active endpoint releases nothing and publishes nothing.
        const again = await harness.call("POST", path, { token: tokens.operator });
        expect(again.body).toEqual({ endpointId, state: "active", released: 0 });
        expect(harness.outcomes.filter((event) => event.key === endpointId)).toHaveLength(2);
      },
      3 * EFFECT_TIMEOUT_MS,
    );

    test("an unknown or malformed endpoint id is 404; another province's operator lists no endpoint", async () => {
      for (const id of ["0123456789abcdef", "not-an-endpoint"]) {
        const reply = await harness.call("POST", `/ops/webhook-endpoints/${id}/redrive`, { token: tokens.operator });
        expect(problem(reply)).toEqual({ status: 404, code: "NOT_FOUND" });
      }
      const listing = await harness.call("GET", "/ops/webhook-endpoints", { token: tokens.otherProvince });
      expect(listing.status).toBe(200);
      expect(listing.body).toEqual({ endpoints: [] });
      // The operators' listing names no URL.
      const own = await harness.call("GET", "/ops/webhook-endpoints", { token: tokens.operator });
      expect(own.text).not.toContain("127.0.0.1");
    });
  });

  test("every decision is in the audit log, with ids only, as an auditor reads it", async () => {
    type Entry = { action: string; outcome: string; officialId: string };
    const wanted = [
      { action: "resend_delivery", outcome: "allowed", officialId: operator.subject },
      { action: "resend_delivery", outcome: "denied", officialId: "van-hanh-ha-noi" },
      { action: "resend_delivery", outcome: "not_found", officialId: operator.subject },
      { action: "redrive_webhook_endpoint", outcome: "allowed", officialId: operator.subject },
      { action: "redrive_webhook_endpoint", outcome: "denied", officialId: "van-hanh-ha-noi" },
      { action: "redrive_webhook_endpoint", outcome: "not_found", officialId: operator.subject },
    ];
    let entries: Entry[] = [];
    await waitFor(
      async () => {
        const reply = await harness.call("GET", "/v1/audit?limit=1000", { token: tokens.auditor });
        entries = (reply.body as { entries: Entry[] }).entries;
        return wanted.every((w) =>
          entries.some((e) => e.action === w.action && e.outcome === w.outcome && e.officialId === w.officialId),
        );
      },
      { description: "the operators' decisions sealed into the audit log", timeoutMs: EFFECT_TIMEOUT_MS },
    );
    const text = JSON.stringify(entries);
    expect(text).not.toContain("038195004217");
    expect(harness.personalDataIn(text)).toEqual([]);
  });

  it("answers every request as its OpenAPI document says", async () => {
    expect(await responses.nonConforming()).toEqual([]);
    expect(responses.checked).toBeGreaterThanOrEqual(5);
  });
});
