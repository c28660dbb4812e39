import { common, events } from "@lienthong/contracts";
import { waitFor } from "@lienthong/testing";
import { parseQuietHours, quietUntil } from "../src/use-cases/quiet-hours";
import { startGatewayPeer, type GatewayPeer } from "./support/gateway-peer";
import {
  EFFECT_TIMEOUT_MS,
  startNotification,
  type Dossier,
  type NotificationHarness,
} from "./support/notification-harness";

const { DeliveryChannel } = events;
const { DELIVERY_CHANNEL_EMAIL: EMAIL, DELIVERY_CHANNEL_SMS: SMS, DELIVERY_CHANNEL_ZALO_ZNS: ZNS } = DeliveryChannel;

/** 22:30 in Vietnam (15:30 UTC): inside quiet hours 21:00–07:00. */
const LATE_EVENING = new Date("2026-12-07T15:30:00.000Z");
/** 07:00 the next morning in Vietnam. */
const MORNING = new Date("2026-12-08T00:00:00.000Z");

const PHONES = {
  emailOnly: "0912000201",
  phoneOnly: "0912000202",
  quiet: "0912000203",
  zaloOnly: "0912000204",
  noConsent: "0912000205",
} as const;

describe("quiet hours", () => {
  const window = parseQuietHours("21:00-07:00")!;

  it("hold a message planned inside them until their end, in Vietnam time", () => {
    expect(quietUntil(LATE_EVENING, window)).toEqual(MORNING);
    // 06:59:30 in Vietnam: until 07:00.
    expect(quietUntil(new Date("2026-12-07T23:59:30.000Z"), window)).toEqual(MORNING);
    // 07:00 and 20:59 in Vietnam: outside.
    expect(quietUntil(MORNING, window)).toBeUndefined();
    expect(quietUntil(new Date("2026-12-07T13:59:00.000Z"), window)).toBeUndefined();
    // A window within one day (12:00–13:30).
    expect(quietUntil(new Date("2026-12-07T05:10:00.000Z"), parseQuietHours("12:00-13:30")!)).toEqual(
      new Date("2026-12-07T06:30:00.000Z"),
    );
    expect(parseQuietHours("21:00-21:00")).toBeUndefined();
    expect(parseQuietHours("9:00-07:00")).toBeUndefined();
  });
});

/**
 * The applicant's choice at submission decides the channels (no consent, no
 * message there) and the language; a non-urgent SMS planned in quiet hours
 * waits for the morning while an urgent one of the same dossier goes at once.
 * Against the test SMS/ZNS gateway and the SMTP peer.
 */
describe("notification: the applicant's preferences and quiet hours", () => {
  let peer: GatewayPeer;
  let harness: NotificationHarness;
  let now = LATE_EVENING;

  beforeAll(async () => {
    peer = await startGatewayPeer();
    harness = await startNotification(
      {
        SMS_GATEWAY_URL: peer.smsUrl,
        SMS_GATEWAY_TOKEN: "sms-gateway-token-0f3b9e2d7c1a",
        SMS_BRAND_NAME: "UBND.MLAT",
        ZNS_API_URL: peer.znsUrl,
        ZNS_ACCESS_TOKEN: "zns-access-token-8d2c6a4e1f9b",
        ZNS_TEMPLATES: JSON.stringify({ resultIssued: "231456" }),
        NOTIFICATION_QUIET_HOURS: "21:00-07:00",
        NOTIFICATION_GATEWAY_TIMEOUT_MS: "60000",
      },
      { clock: () => now },
    );
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    await peer?.close();
  });

  const consented = (choice: Partial<common.NotificationPreferences>) =>
    common.NotificationPreferences.fromPartial({ consentedAt: "2026-12-07T08:00:00+07:00", ...choice });

  const result = (dossier: Dossier) =>
    harness.publish("resultIssued", {
      dossierId: dossier.dossierId,
      dossierCode: dossier.dossierCode,
      status: common.DossierStatus.DOSSIER_STATUS_DECIDED,
      issuedAt: LATE_EVENING.toISOString(),
      outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
    });

  it("email only, in English: the mail goes, nothing by phone", async () => {
    const dossier = await harness.submit({
      applicant: { phone: PHONES.emailOnly, email: "email.only@example.vn" },
      preferences: consented({ email: true, language: "en" }),
    });
    await harness.handled(await result(dossier));
    const listed = await harness.waitForDeliveries(
      dossier.dossierCode,
      (all) => all.some((d) => d.channel === EMAIL && d.stateName === "delivered"),
      "the result mail delivered",
    );
    expect(listed.filter((d) => d.channel === SMS || d.channel === ZNS)).toEqual([]);
    const [mail] = harness.mail.to("email.only@example.vn");
    expect(mail?.subject).toBe(`Application ${dossier.dossierCode}: your result is ready`);
    expect(listed.find((d) => d.channel === EMAIL)?.template).toMatchObject({ language: "en" });
    expect(peer.forPhone(PHONES.emailOnly)).toEqual([]);
  });

  it("Zalo and SMS without email: ZNS goes, no mail though an address is known", async () => {
    const dossier = await harness.submit({
      applicant: { phone: PHONES.phoneOnly, email: "phone.only@example.vn" },
      preferences: consented({ sms: true, zalo: true }),
    });
    await harness.handled(await result(dossier));
    await waitFor(() => peer.forPhone(PHONES.phoneOnly, "zns").length === 1, {
      description: "the result by ZNS",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    const listed = await harness.deliveries(dossier.dossierCode);
    expect(listed.filter((d) => d.channel === EMAIL)).toEqual([]);
    expect(harness.mail.to("phone.only@example.vn")).toEqual([]);
  });

  it("in quiet hours, the acceptance's SMS waits for the morning; the supplement request overtakes it", async () => {
    const dossier = await harness.submit({ applicant: { phone: PHONES.quiet } });
    const accepted = await harness.accept(dossier);
    await harness.handled(accepted);
    const supplement = await harness.publish("supplementRequested", {
      dossierId: dossier.dossierId,
      dossierCode: dossier.dossierCode,
      status: common.DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED,
      requestedAt: LATE_EVENING.toISOString(),
      missingItems: ["Bản sao Giấy khai sinh"],
    });
    await harness.handled(supplement);
    await waitFor(() => peer.forPhone(PHONES.quiet, "sms").length === 1, {
      description: "the urgent SMS sent at once",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    const [urgent] = peer.forPhone(PHONES.quiet, "sms");
    expect(String(urgent?.body.text)).toContain("can bo sung 1 thanh phan");
    const waiting = (await harness.deliveries(dossier.dossierCode)).filter(
      (d) => d.channel === SMS && d.triggerType === "gov.lienthong.application.accepted.v1",
    );
    expect(waiting).toMatchObject([{ stateName: "pending", status: "created", attempts: 0 }]);
    // The mail is not held: it waits in a mailbox, it does not ring (sent without waiting, received when SMTP is done).
    await waitFor(
      () =>
        harness.mail
          .to(dossier.applicant.email)
          .some((m) => m.subject === `Hồ sơ ${dossier.dossierCode} đã được tiếp nhận`),
      { description: "the acceptance's mail, not held", timeoutMs: EFFECT_TIMEOUT_MS },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(peer.forPhone(PHONES.quiet, "sms")).toHaveLength(1);

    now = MORNING;
    await waitFor(() => peer.forPhone(PHONES.quiet, "sms").length === 2, {
      description: "the acceptance's SMS sent once the quiet hours end",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    expect(String(peer.forPhone(PHONES.quiet, "sms")[1]?.body.text)).toContain("da duoc tiep nhan");
  });

  it("Zalo only: a ZNS message refused for good falls back to no SMS", async () => {
    peer.answer(PHONES.zaloOnly, "zns", [{ znsError: -118 }]);
    const dossier = await harness.submit({
      applicant: { phone: PHONES.zaloOnly },
      preferences: consented({ zalo: true }),
    });
    await harness.handled(await result(dossier));
    const listed = await harness.waitForDeliveries(
      dossier.dossierCode,
      (all) => all.some((d) => d.channel === ZNS && d.stateName === "failed"),
      "the ZNS message refused",
    );
    expect(listed.find((d) => d.channel === ZNS)).toMatchObject({ status: "permanent-failure" });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await harness.deliveries(dossier.dossierCode)).filter((d) => d.channel === SMS)).toEqual([]);
    expect(peer.forPhone(PHONES.zaloOnly, "sms")).toEqual([]);
  });

  it("channels chosen without a time of consent are no consent: nothing to the applicant, logged by id and counted", async () => {
    const before = await harness.metric("notification_preferences_without_consent_total");
    const dossier = await harness.submit({
      applicant: { phone: PHONES.noConsent, email: "khong.dong.y@example.vn" },
      preferences: common.NotificationPreferences.fromPartial({ email: true, sms: true, zalo: true }),
    });
    await harness.handled(await result(dossier));
    // The commune system's webhook still goes: it is no use of the applicant's contact.
    const listed = await harness.waitForDeliveries(
      dossier.dossierCode,
      (all) => all.length > 0 && all.every((d) => d.stateName === "delivered"),
      "the commune system's webhooks delivered",
    );
    expect(listed.filter((d) => d.channel === EMAIL || d.channel === SMS || d.channel === ZNS)).toEqual([]);
    expect(harness.mail.to("khong.dong.y@example.vn")).toEqual([]);
    expect(peer.forPhone(PHONES.noConsent)).toEqual([]);
    expect(await harness.metric("notification_preferences_without_consent_total")).toBe(before + 1);
    const logged = harness.logLines.filter((line) => line.includes("without a time of consent"));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(dossier.dossierId);
    expect(harness.personalDataIn(logged[0]!)).toEqual([]);
  });
});
