import { events } from "@lienthong/contracts";
import { messagingCollections } from "@lienthong/messaging";
import { createLogger } from "@lienthong/service-host";
import { openDocumentStore, put, type DocumentStore } from "@lienthong/storage";
import { tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { loadTemplates } from "../src/templates/catalog";
import { contacts, deliveries, notificationCollections, type DeliveryRecord } from "../src/store/collections";
import type { Mail, Sms, WebhookCall, ZnsTemplateMessage } from "../src/channels/ports";
import { DeliveryError } from "../src/channels/ports";
import { DeliveryLanes } from "../src/use-cases/delivery-lanes";
import { dispatchRound } from "../src/use-cases/dispatch-deliveries";
import { plannedDelivery, stableUuid } from "../src/use-cases/plan-deliveries";
import { ProviderRates } from "../src/use-cases/provider-rates";
import type { NotificationPorts } from "../src/use-cases/ports";
import { parseQuietHours } from "../src/use-cases/quiet-hours";

const { DeliveryChannel, RecipientKind } = events;
// Numbers, as a delivery record holds them.
const EMAIL: number = DeliveryChannel.DELIVERY_CHANNEL_EMAIL;
const SMS: number = DeliveryChannel.DELIVERY_CHANNEL_SMS;
const ZNS: number = DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS;
const WEBHOOK: number = DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK;
const APPLICANT: number = RecipientKind.RECIPIENT_KIND_APPLICANT;
const COMMUNE: number = RecipientKind.RECIPIENT_KIND_COMMUNE_SYSTEM;

/** 22:30 in Vietnam (15:30 UTC): inside quiet hours 21:00–07:00. */
const LATE_EVENING = new Date("2026-12-07T15:30:00.000Z");
/** 07:00 the next morning in Vietnam. */
const MORNING = "2026-12-08T00:00:00.000Z";
const ENDPOINT = { id: "0123456789abcdef", url: "http://127.0.0.1:9/hooks", secrets: ["s".repeat(32)] };
const SMS_TEXT = { smsText: "Ho so da co ket qua.", segments: 1, encoding: "GSM-7" as const };

/**
 * The dispatcher's rounds against the embedded store, with channels that
 * record each call (and may hold it): which deliveries a round starts, and
 * what it commits before a call.
 */
describe("notification: the dispatcher's rounds", () => {
  let dir: TempDir;
  let store: DocumentStore;
  let now: Date;
  const calls: { channel: string; id: string }[] = [];
  let stores = 0;
  let holdMail = false;
  let holdSms = false;
  let znsFails = false;
  let dossiers = 0;

  beforeAll(async () => {
    dir = await tempDir("notification-rounds");
  });

  afterAll(async () => {
    await dir?.remove();
  });

  // A store of its own per test: nothing one leaves due is started by the next. Held calls are never released.
  beforeEach(async () => {
    calls.length = 0;
    holdMail = holdSms = znsFails = false;
    now = new Date();
    stores += 1;
    store = await openDocumentStore({ kind: "embedded", path: `${dir.path}/store-${stores}.db` });
    await store.ensureCollections([...notificationCollections, ...messagingCollections]);
  });

  const call = async (channel: string, id: string, hold: boolean) => {
    calls.push({ channel, id });
    // Held for good: its lane stays busy.
    if (hold) await new Promise<void>(() => undefined);
  };

  const ports = (quietHours?: string): NotificationPorts => ({
    store,
    commit: (ops) => store.commit(ops),
    webhooks: { of: () => ENDPOINT, all: () => [] },
    phone: {},
    templates: loadTemplates(),
    ...(quietHours && { quietHours: parseQuietHours(quietHours) }),
    provinceOf: () => undefined,
    audit: () => undefined,
    logger: createLogger({ service: "notification", level: "silent" }),
    now: () => now,
  });

  const dispatch = (options: { lanes?: number; rates?: ProviderRates; quietHours?: string } = {}) => {
    const logger = createLogger({ service: "notification", level: "silent" });
    return {
      ports: ports(options.quietHours),
      lanes: new DeliveryLanes(options.lanes ?? 64, logger),
      channels: {
        mail: { send: (mail: Mail) => call("mail", mail.messageId, holdMail) },
        webhook: { send: (webhook: WebhookCall) => call("webhook", webhook.id, false) },
        sms: { receipts: false, send: (sms: Sms) => call("sms", sms.requestId, holdSms) },
        zns: {
          receipts: false,
          send: async (zns: ZnsTemplateMessage) => {
            await call("zns", zns.trackingId, false);
            if (znsFails) throw new DeliveryError("ZNS refused the message (test)", false);
          },
        },
      },
      policy: {
        retryHorizonMs: 3_600_000,
        initialBackoffMs: 1_000,
        maxBackoffMs: 60_000,
        suspendAfterFailures: 5,
        probeInitialMs: 60_000,
        gatewayTimeoutMs: 10_000,
        receiptHorizonMs: 3_600_000,
      },
      logger,
      observer: { suspended: () => undefined, resumed: () => undefined },
      rates: options.rates ?? new ProviderRates({}),
      rateObserver: { keptBack: () => undefined },
    };
  };

  /** A dossier with its contact; returns its id. */
  async function dossier(): Promise<string> {
    dossiers += 1;
    const dossierId = stableUuid(`rounds-dossier-${dossiers}`);
    await store.commit([
      put(contacts, dossierId, {
        dossierId,
        dossierCode: `14845-261207-${String(dossiers).padStart(4, "0")}`,
        applicantName: "Lò Thị Mai",
        email: "lo.thi.mai@example.vn",
        phone: "0912000401",
        clientId: "muong-lat-commune-system",
        receivingUnitCode: "14845",
      }),
    ]);
    return dossierId;
  }

  /** A pending delivery of a dossier, due at `due`. */
  async function pending(
    dossierId: string,
    channel: number,
    due: Date,
    extra: Partial<DeliveryRecord> = {},
  ): Promise<DeliveryRecord> {
    const notificationId = stableUuid(`${dossierId}/${channel}/${due.toISOString()}`);
    const message: DeliveryRecord["message"] =
      channel === EMAIL
        ? { subject: "Hồ sơ", text: "Đã có kết quả." }
        : channel === WEBHOOK
          ? { webhookBody: "{}" }
          : channel === SMS
            ? SMS_TEXT
            : { znsTemplateId: "231456", znsData: { dossier_code: "x" }, smsFallback: SMS_TEXT };
    const record = {
      ...plannedDelivery(due, {
        notificationId,
        dossierId,
        dossierCode: "14845-261207-0001",
        channel,
        recipientKind: channel === WEBHOOK ? COMMUNE : APPLICANT,
        triggerType: "gov.lienthong.application.accepted.v1",
        triggerEventId: stableUuid(`${notificationId}/event`),
        endpointId: channel === WEBHOOK ? ENDPOINT.id : "",
        traceparent: "",
        message,
      }),
      ...extra,
    };
    await store.commit([put(deliveries, notificationId, record, 0)]);
    return record;
  }

  const stored = async (notificationId: string) => (await store.get(deliveries, notificationId))!.data;

  it("starts the oldest due delivery first, whichever provider it goes to: a mail backlog does not hold an older webhook", async () => {
    holdMail = true;
    const webhookDossier = await dossier();
    const webhook = await pending(webhookDossier, WEBHOOK, new Date(now.getTime() - 60_000));
    for (let i = 0; i < 5; i += 1) await pending(await dossier(), EMAIL, new Date(now.getTime() - 1_000 + i));
    const round = dispatch({ lanes: 2 });
    await dispatchRound(round);
    await waitFor(() => calls.some((c) => c.channel === "webhook"), {
      description: "the older webhook sent in the first round",
      timeoutMs: 10_000,
    });
    expect(calls.filter((c) => c.channel === "webhook")).toEqual([{ channel: "webhook", id: webhook.notificationId }]);
    expect(calls.filter((c) => c.channel === "mail")).toHaveLength(1);
  });

  it("holds a non-urgent SMS retried into quiet hours until their end, in one commit before any call", async () => {
    now = LATE_EVENING;
    const dossierId = await dossier();
    // A temporary failure at 20:50 rescheduled it to 22:30.
    const retried = await pending(dossierId, SMS, LATE_EVENING, { urgent: false, attempts: 1 });
    const urgent = await pending(await dossier(), SMS, LATE_EVENING, { urgent: true });
    await dispatchRound(dispatch({ quietHours: "21:00-07:00" }));
    await waitFor(async () => (await stored(urgent.notificationId)).state === "delivered", {
      description: "the urgent SMS sent at night",
      timeoutMs: 10_000,
    });
    await waitFor(async () => (await stored(retried.notificationId)).nextAttemptAt === MORNING, {
      description: "the retried SMS moved to the morning",
      timeoutMs: 10_000,
    });
    expect(await stored(retried.notificationId)).toMatchObject({
      state: "pending",
      status: "created",
      attempts: 1,
      quietUntil: MORNING,
    });
    expect(calls).toEqual([{ channel: "sms", id: urgent.notificationId }]);
  });

  it("holds the SMS fallback of a ZNS message that failed in quiet hours until their end", async () => {
    // 20:59 in Vietnam: the ZNS message goes, and Zalo refuses it for good; its SMS is due at 21:00 or later.
    now = new Date("2026-12-07T13:59:00.000Z");
    znsFails = true;
    const dossierId = await dossier();
    const zns = await pending(dossierId, ZNS, now, { urgent: false });
    const round = dispatch({ quietHours: "21:00-07:00" });
    await dispatchRound(round);
    await waitFor(async () => (await stored(zns.notificationId)).state === "failed", {
      description: "the ZNS message failed for good",
      timeoutMs: 10_000,
    });
    const fallbackId = stableUuid(`${zns.notificationId}/sms-fallback`);
    expect(await stored(fallbackId)).toMatchObject({ state: "pending", urgent: false });
    now = LATE_EVENING;
    await dispatchRound(round);
    await waitFor(async () => (await stored(fallbackId)).nextAttemptAt === MORNING, {
      description: "the fallback SMS moved to the morning",
      timeoutMs: 10_000,
    });
    expect(await stored(fallbackId)).toMatchObject({ state: "pending", quietUntil: MORNING, attempts: 0 });
    expect(calls.filter((c) => c.channel === "sms")).toEqual([]);

    now = new Date(MORNING);
    await dispatchRound(round);
    await waitFor(() => calls.some((c) => c.channel === "sms"), {
      description: "the fallback SMS sent once the quiet hours end",
      timeoutMs: 10_000,
    });
  });

  it("waits for the provider's rate before it records the call: a message waiting its turn is not yet sending", async () => {
    const message = await pending(await dossier(), SMS, new Date(now.getTime() - 1));
    // The rate's wait, held open by the test: were the process killed now, it must leave a message never called.
    let waiting = false;
    let release = () => undefined as void;
    const rates = new (class extends ProviderRates {
      override async pace(): Promise<void> {
        waiting = true;
        await new Promise<void>((resolve) => (release = resolve));
      }
    })({});
    await dispatchRound(dispatch({ rates }));
    await waitFor(() => waiting, { description: "the SMS waiting for its slot", timeoutMs: 10_000 });
    expect(await stored(message.notificationId)).toMatchObject({ status: "created", attempts: 0 });
    release();
    await waitFor(() => calls.length === 1, { description: "the SMS called in its slot", timeoutMs: 10_000 });
    expect((await stored(message.notificationId)).history?.map((step) => step.status)).toEqual([
      "created",
      "sending",
      "sent",
    ]);
  });

  it("reads no due delivery while every lane is busy", async () => {
    holdMail = true;
    const due = new Date(now.getTime() - 1_000);
    for (let i = 0; i < 2; i += 1) await pending(await dossier(), EMAIL, due);
    const round = dispatch({ lanes: 4 });
    const pagesRead: number[] = [];
    const read = store.find.bind(store);
    const find: DocumentStore["find"] = async (collection, query) => {
      const found = await read(collection, query);
      const where: { state?: unknown } = query?.where ?? {};
      if (collection.name === deliveries.name && where.state === "pending") pagesRead.push(found.length);
      return found;
    };
    round.ports.store = Object.assign(Object.create(store) as DocumentStore, { find });
    await dispatchRound(round);
    await waitFor(() => calls.length === 2, { description: "the first two mails held in flight", timeoutMs: 10_000 });
    for (let i = 0; i < 10; i += 1) await pending(await dossier(), EMAIL, new Date(due.getTime() + 1 + i));
    await dispatchRound(round);
    await waitFor(() => calls.length === 4, { description: "two more mails in the two free lanes", timeoutMs: 10_000 });

    // Every lane busy: nothing read, nothing started.
    await dispatchRound(round);
    expect(pagesRead).toEqual([2, 12]);
    expect(calls).toHaveLength(4);
  });

  it("starts a newer delivery in the last free lane past older due ones whose lanes are busy", async () => {
    holdMail = true;
    const due = new Date(now.getTime() - 10_000);
    // Two dossiers with two mails each to their applicant: each one's second waits for its first.
    for (const dossierId of [await dossier(), await dossier()]) {
      await pending(dossierId, EMAIL, due, { createdAt: due.toISOString() });
      await pending(dossierId, EMAIL, new Date(due.getTime() + 1), { createdAt: due.toISOString() });
    }
    const newer = await pending(await dossier(), EMAIL, new Date(due.getTime() + 5_000));
    const round = dispatch({ lanes: 3 });
    await dispatchRound(round);
    await dispatchRound(round);
    await waitFor(() => calls.length === 3, { description: "the newer mail in the third lane", timeoutMs: 10_000 });
    expect(calls.map((call) => call.id)).toContain(newer.notificationId);
  });

  it("tells its owner each time a lane ends, also when its delivery failed", async () => {
    let freed = 0;
    const lanes = new DeliveryLanes(2, createLogger({ service: "notification", level: "silent" }), () => (freed += 1));
    let fail = () => undefined as void;
    expect(lanes.start("a", () => Promise.resolve())).toBe(true);
    const failing = new Promise<void>((_resolve, reject) => (fail = () => reject(new Error("the store refused"))));
    expect(lanes.start("b", () => failing)).toBe(true);
    expect(lanes.room).toBe(0);
    await waitFor(() => freed === 1, { description: "lane a ended", timeoutMs: 5_000 });
    fail();
    await lanes.settled();
    expect(freed).toBe(2);
    expect(lanes.room).toBe(2);
  });

  it("keeps a due delivery behind an unsent one of its dossier to the same recipient planned at the same instant", async () => {
    const dossierId = await dossier();
    const plannedAt = new Date(now.getTime() - 60_000).toISOString();
    // The first, planned at that instant too, is waiting for its retry.
    const retrying = await pending(dossierId, EMAIL, new Date(now.getTime() + 30_000), { createdAt: plannedAt });
    const next = await pending(dossierId, EMAIL, new Date(now.getTime() - 1_000), { createdAt: plannedAt });
    // Another recipient's delivery of the dossier is not held by it.
    const webhook = await pending(dossierId, WEBHOOK, new Date(now.getTime() - 1_000), { createdAt: plannedAt });
    await dispatchRound(dispatch());
    await waitFor(async () => (await stored(next.notificationId)).nextAttemptAt === retrying.nextAttemptAt, {
      description: "the later mail put after the earlier one's retry",
      timeoutMs: 10_000,
    });
    await waitFor(() => calls.length === 1, { description: "the webhook sent", timeoutMs: 10_000 });
    expect(calls).toEqual([{ channel: "webhook", id: webhook.notificationId }]);
  });
});
