import { common, events } from "@lienthong/contracts";
import { waitFor } from "@lienthong/testing";
import { startGatewayPeer, type GatewayPeer } from "./support/gateway-peer";
import { EFFECT_TIMEOUT_MS, startNotification, type NotificationHarness } from "./support/notification-harness";

const PHONE = "0912000501";
const DOCUMENT = "6f1c2a4e-7d0b-4e55-9a57-0c3f2b8d1e90";

/**
 * Every step that concerns the applicant reaches them, by mail (real SMTP
 * server) and by SMS (test gateway): a payment request, the authority's
 * apology with its new appointment, a signed slip (looked up, never linked),
 * a supplement's due date and its passing; the apology's reason and the
 * payment's description only in the mail.
 */
describe("notification: payment requests, apologies and slips reach the applicant", () => {
  let peer: GatewayPeer;
  let harness: NotificationHarness;

  beforeAll(async () => {
    peer = await startGatewayPeer();
    harness = await startNotification({
      SMS_GATEWAY_URL: peer.smsUrl,
      SMS_GATEWAY_TOKEN: "sms-gateway-token-0f3b9e2d7c1a",
      SMS_BRAND_NAME: "UBND.MLAT",
      SMS_DIACRITICS: "true",
      NOTIFICATION_GATEWAY_TIMEOUT_MS: "60000",
    });
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    await peer?.close();
  });

  it("mails and texts each, in Vietnamese, with the new appointment and where to find the slip", async () => {
    const email = "moi.buoc@example.vn";
    const dossier = await harness.submit({ applicant: { email, phone: PHONE } });
    const ids = { dossierId: dossier.dossierId, dossierCode: dossier.dossierCode };
    const published = [
      await harness.publish("paymentRequested", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_AWAITING_PAYMENT,
        requestedAt: "2026-12-08T03:00:00.000Z",
        amountVnd: 250_000,
        description: "Lệ phí đăng ký kết hôn",
      }),
      await harness.publish("apologyIssued", {
        ...ids,
        issuedAt: "2026-12-14T02:00:00.000Z",
        previousAppointmentAt: "2026-12-16T10:00:00.000Z",
        newAppointmentAt: "2026-12-23T01:30:00.000Z",
        reason: "Cần xác minh thêm với Công an xã",
        apologyNumber: 1,
      }),
      await harness.publish("slipIssued", {
        ...ids,
        kind: events.SlipKind.SLIP_KIND_APOLOGY,
        documentId: DOCUMENT,
        downloadPath: `/v1/documents/${DOCUMENT}`,
        issuedAt: "2026-12-14T02:01:00.000Z",
      }),
    ];
    for (const id of published) await harness.handled(id);
    await waitFor(() => harness.mail.to(email).length === 3 && peer.forPhone(PHONE, "sms").length === 3, {
      description: "three mails and three SMS",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    const mails = new Map(harness.mail.to(email).map((mail) => [mail.subject, mail]));
    const code = dossier.dossierCode;
    expect([...mails.keys()].sort()).toEqual(
      [
        `Hồ sơ ${code}: đề nghị nộp phí, lệ phí`,
        `Hồ sơ ${code}: xin lỗi và đề nghị gia hạn thời gian giải quyết`,
        `Hồ sơ ${code}: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết`,
      ].sort(),
    );
    expect(mails.get(`Hồ sơ ${code}: đề nghị nộp phí, lệ phí`)?.text).toContain(
      "cần nộp phí, lệ phí: 250.000 đồng (Lệ phí đăng ký kết hôn), đề nghị ngày 08 tháng 12 năm 2026.",
    );
    const apology = mails.get(`Hồ sơ ${code}: xin lỗi và đề nghị gia hạn thời gian giải quyết`)!;
    expect(apology.text).toContain("Lý do: Cần xác minh thêm với Công an xã.");
    expect(apology.text).toContain("(17 giờ 00, ngày 16 tháng 12 năm 2026)");
    expect(apology.text).toContain("Thời gian hẹn trả kết quả mới: 08 giờ 30, ngày 23 tháng 12 năm 2026.");
    const slip = mails.get(`Hồ sơ ${code}: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết`)!;
    expect(slip.text).toContain("Xem và tải về khi tra cứu hồ sơ bằng mã hồ sơ và 4 số cuối số định danh cá nhân.");
    expect(slip.text).not.toContain(DOCUMENT);

    const texts = peer.forPhone(PHONE, "sms").map((request) => String(request.body.text));
    expect(texts).toEqual(
      expect.arrayContaining([
        `Hồ sơ ${code} cần nộp phí, lệ phí 250.000 đồng; xem chi tiết khi tra cứu hồ sơ.`,
        `Xin lỗi ông/bà: hồ sơ ${code} chưa thể trả đúng hẹn. Hẹn mới: 08 giờ 30, ngày 23 tháng 12 năm 2026.`,
        `Hồ sơ ${code}: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết đã ký số. Xem và tải về khi tra cứu hồ sơ.`,
      ]),
    );
    // Never the officer's free text by phone.
    for (const text of texts) {
      expect(text).not.toContain("Công an xã");
      expect(text).not.toContain("kết hôn");
      expect(text).not.toContain(DOCUMENT);
    }
  });

  it("tells the supplement's due date, then that it passed, by mail and SMS", async () => {
    const email = "qua.han@example.vn";
    const phone = "0912000502";
    const dossier = await harness.submit({ applicant: { email, phone } });
    const ids = { dossierId: dossier.dossierId, dossierCode: dossier.dossierCode };
    const requestedAt = "2026-12-08T03:00:00.000Z";
    // The end of the working day, 17:00 in Vietnam.
    const supplementDueAt = "2026-12-15T10:00:00.000Z";
    const published = [
      await harness.publish("supplementRequested", {
        ...ids,
        status: common.DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED,
        requestedAt,
        missingItems: ["Bản sao Giấy khai sinh"],
        supplementDueAt,
      }),
      await harness.publish("supplementOverdue", {
        ...ids,
        detectedAt: "2026-12-15T17:00:00.000Z",
        supplementDueAt,
        requestedAt,
      }),
    ];
    for (const id of published) await harness.handled(id);
    await waitFor(() => harness.mail.to(email).length === 2 && peer.forPhone(phone, "sms").length === 2, {
      description: "two mails and two SMS",
      timeoutMs: EFFECT_TIMEOUT_MS,
    });
    const code = dossier.dossierCode;
    const mails = new Map(harness.mail.to(email).map((mail) => [mail.subject, mail]));
    expect([...mails.keys()].sort()).toEqual([`Hồ sơ ${code} cần bổ sung`, `Hồ sơ ${code} đã quá hạn bổ sung`].sort());
    expect(mails.get(`Hồ sơ ${code} cần bổ sung`)?.text).toContain("Hạn bổ sung: ngày 15 tháng 12 năm 2026.");
    expect(mails.get(`Hồ sơ ${code} đã quá hạn bổ sung`)?.text).toContain(
      `Hồ sơ ${code} đã quá hạn bổ sung (ngày 15 tháng 12 năm 2026)`,
    );
    expect(peer.forPhone(phone, "sms").map((request) => String(request.body.text))).toEqual(
      expect.arrayContaining([
        `Hồ sơ ${code} cần bổ sung 1 thành phần, hạn ngày 15 tháng 12 năm 2026; xem chi tiết khi tra cứu hồ sơ.`,
        `Hồ sơ ${code} đã quá hạn bổ sung (ngày 15 tháng 12 năm 2026). Đề nghị bổ sung ngay; xem chi tiết khi tra cứu hồ sơ.`,
      ]),
    );
    // The overdue event moves no status: the commune systems get no webhook of it.
    const deliveries = await harness.deliveries(code);
    expect(
      deliveries
        .filter((d) => d.triggerType === "gov.lienthong.dossier.supplement_overdue.v1")
        .map((d) => d.channel)
        .sort(),
    ).toEqual([events.DeliveryChannel.DELIVERY_CHANNEL_EMAIL, events.DeliveryChannel.DELIVERY_CHANNEL_SMS]);
  });
});
