import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { common, events, EventTypes, type EventTypeName } from "@lienthong/contracts";
import { inbox } from "@lienthong/messaging";
import { put } from "@lienthong/storage";
import { documents } from "../../src/store/collections";
import { DEVELOPMENT_CLIENTS, DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import { describeWithPeers, run } from "../support/peers";
import { refusal, startSignature, type Credentials, type SignatureHarness } from "../support/signature-harness";

const TRACKING = "https://dichvucong.thanhhoa.gov.vn/tra-cuu/{code}";
const MUONG_LAT = {
  code: "14845",
  name: "Ủy ban nhân dân xã Mường Lát",
  level: common.AgencyLevel.AGENCY_LEVEL_COMMUNE,
  communeCode: "14845",
  provinceCode: "38",
};
/** A receiving unit that is not the competent authority: the province's public administration centre. */
const PROVINCIAL_CENTRE = {
  code: "38.TTPVHCC",
  name: "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
  level: common.AgencyLevel.AGENCY_LEVEL_PROVINCE,
  communeCode: "",
  provinceCode: "38",
};
/** The centre's receiving officer in the test PKI, whose key is declared for the centre. */
const CENTRE_OFFICER = "tiep-nhan-ttpvhcc-thanh-hoa";
const DESK: Credentials = {
  client: DEVELOPMENT_CLIENTS.muongLat,
  official: DEVELOPMENT_OFFICIALS.receivingOfficerMuongLat,
};
const OTHER_TENANT: Credentials = { client: DEVELOPMENT_CLIENTS.tamChung };
const POLICE: Credentials = { client: DEVELOPMENT_CLIENTS.thanhHoaPolice };
const TAM_CHUNG = {
  code: "14848",
  name: "Ủy ban nhân dân xã Tam Chung",
  level: common.AgencyLevel.AGENCY_LEVEL_COMMUNE,
  communeCode: "14848",
  provinceCode: "38",
};
const PROCEDURE = "Đăng ký khai sinh";

let sequence = 0;
function dossier(): { dossierId: string; dossierCode: string } {
  sequence += 1;
  const n = String(sequence).padStart(4, "0");
  return { dossierId: `00000000-0000-4000-8000-00000000${n}`, dossierCode: `14845-261204-${n}` };
}

/**
 * The desk's slips through signature's composition root: routing's events in,
 * slipIssued out, the signed PDFs over REST and gRPC, read back by poppler's
 * pdftotext and pdfsig and by zbar (independent peers).
 */
describeWithPeers(["pdftotext", "pdftoppm", "zbarimg", "pdfsig", "certutil"], "signature: the desk's slips", () => {
  let signature: SignatureHarness;
  let dir: string;
  let nss: string;

  beforeAll(async () => {
    signature = await startSignature({ env: { SIGNATURE_TRACKING_URL: TRACKING } });
    dir = await mkdtemp(path.join(tmpdir(), "lienthong-slips-"));
    const nssDir = path.join(dir, "nss");
    await mkdir(nssDir);
    nss = `sql:${nssDir}`;
    expect((await run("certutil", ["-N", "-d", nss, "--empty-password"])).code).toBe(0);
    const trust = ["-A", "-d", nss, "-n", "root", "-t", "C,C,C", "-i", signature.rootCertPath];
    expect((await run("certutil", trust)).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await signature?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function slipOf(dossierId: string, kind: events.SlipKind) {
    await waitFor(() => signature.eventsOf(dossierId, "slipIssued").some((slip) => slip.kind === kind), {
      description: `slip ${kind} of ${dossierId}`,
      timeoutMs: 60_000,
    });
    return signature.eventsOf(dossierId, "slipIssued").find((slip) => slip.kind === kind)!;
  }

  async function download(downloadPath: string, as: Credentials = DESK): Promise<Buffer> {
    const response = await signature.request("GET", downloadPath, { as });
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  }

  async function textOf(pdf: Buffer): Promise<string> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
    await writeFile(file, pdf);
    const result = await run("pdftotext", ["-enc", "UTF-8", file, "-"]);
    expect(result.code).toBe(0);
    return result.stdout.replace(/\s+/g, " ");
  }

  /** What zbar reads from the QR code on one page (the last one holds it). */
  async function qrOf(pdf: Buffer, page = 1): Promise<string> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}`);
    await writeFile(`${file}.pdf`, pdf);
    expect(
      (await run("pdftoppm", ["-r", "150", "-png", "-f", String(page), "-singlefile", `${file}.pdf`, file])).code,
    ).toBe(0);
    return (await run("zbarimg", ["--quiet", "--raw", `${file}.png`])).stdout.trim();
  }

  it("issues a receipt-and-appointment slip at acceptance: code, procedure, Vietnamese appointment, official, QR, valid signature", async () => {
    const ids = dossier();
    await signature.publish("applicationAccepted", {
      ...ids,
      status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
      acceptedAt: "2026-12-04T02:32:00.000Z",
      appointmentAt: "2026-12-11T02:00:00.000Z",
      officialId: "tiep-nhan-muong-lat",
      procedureVersion: 1,
      procedureCode: "1.001193",
      procedureName: PROCEDURE,
      receivingUnit: MUONG_LAT,
      competentAuthority: MUONG_LAT,
    });
    const slip = await slipOf(ids.dossierId, events.SlipKind.SLIP_KIND_RECEIPT);
    expect(slip).toMatchObject({ dossierCode: ids.dossierCode, officialId: "tiep-nhan-muong-lat" });
    expect(slip.downloadPath).toBe(`/v1/documents/${slip.documentId}`);

    const pdf = await download(slip.downloadPath);
    const text = await textOf(pdf);
    for (const expected of [
      "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
      "ỦY BAN NHÂN DÂN XÃ MƯỜNG LÁT",
      // The dateline names the issuing unit's place (Decree 30/2020/NĐ-CP).
      "Mường Lát, ngày 04 tháng 12 năm 2026",
      `Mã hồ sơ: ${ids.dossierCode}`,
      `Thủ tục: ${PROCEDURE}`,
      // 02:32 UTC is 09:32 in Vietnam; the appointment 09:00 on Friday 11 December.
      "lúc 09 giờ 32, ngày 04 tháng 12 năm 2026",
      "Thời gian hẹn trả kết quả: 09 giờ 00, ngày 11 tháng 12 năm 2026",
      "NGƯỜI TIẾP NHẬN HỒ SƠ",
      "Cán bộ tiếp nhận xã Mường Lát",
      "Mã cán bộ: tiep-nhan-muong-lat",
    ]) {
      expect(text).toContain(expected);
    }
    expect(await qrOf(pdf)).toBe(TRACKING.replace("{code}", ids.dossierCode));

    const file = path.join(dir, "receipt.pdf");
    await writeFile(file, pdf);
    const checked = await run("pdfsig", ["-nssdir", nss, file]);
    expect(checked.stdout).toContain("Signature is Valid.");
    expect(checked.stdout).toContain("Certificate is Trusted.");
    expect(checked.stdout).toContain("Cán bộ tiếp nhận xã Mường Lát");
  }, 120_000);

  it("lists every missing item of a supplement request, numbered, on as many pages as it takes, signed on the last", async () => {
    const ids = dossier();
    const items = [
      "Bản sao Giấy chứng sinh",
      "Giấy tờ tùy thân của người đi đăng ký",
      "Văn bản ủy quyền có chứng thực",
      // A long list (routing allows up to 100 items): it runs on to a second page.
      ...Array.from({ length: 27 }, (_, index) => `Bản sao giấy tờ chứng minh nơi cư trú số ${index + 4}`),
    ];
    await signature.publish("supplementRequested", {
      ...ids,
      status: common.DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED,
      requestedAt: "2026-12-04T03:00:00.000Z",
      missingItems: items,
      officialId: "chuyen-vien-muong-lat",
      procedureName: PROCEDURE,
      receivingUnit: MUONG_LAT,
      competentAuthority: MUONG_LAT,
    });
    const slip = await slipOf(ids.dossierId, events.SlipKind.SLIP_KIND_SUPPLEMENT_REQUEST);
    const pdf = await download(slip.downloadPath);
    const text = await textOf(pdf);
    expect(text).toContain("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ");
    // The request's own time (10:00 in Vietnam), not presented as when the dossier was received.
    expect(text).toContain("Ngày yêu cầu bổ sung: 10 giờ 00, ngày 04 tháng 12 năm 2026.");
    expect(text).not.toContain("được tiếp nhận lúc");
    items.forEach((item, index) => expect(text).toContain(`${index + 1}. ${item}`));
    expect(text).toContain(`hồ sơ ${ids.dossierCode} (tiếp theo, trang 2)`);
    expect(text).toContain("Chuyên viên xử lý xã Mường Lát");
    // The pages in order: the last item comes before the signature block, which closes the slip.
    expect(text.indexOf(`30. ${items[29]!}`)).toBeLessThan(text.indexOf("NGƯỜI HƯỚNG DẪN"));
    expect(await qrOf(pdf, 2)).toBe(TRACKING.replace("{code}", ids.dossierCode));
    // The visible signature's widget sits on the last of the two pages.
    const raw = pdf.toString("latin1");
    const kids = /\/Kids \[(\d+) 0 R (\d+) 0 R\] \/Count 2/.exec(raw);
    expect(kids).not.toBeNull();
    expect(/\/Subtype \/Widget[^>]*\/P (\d+) 0 R/.exec(raw)?.[1]).toBe(kids?.[2]);
    const file = path.join(dir, "supplement.pdf");
    await writeFile(file, pdf);
    const checked = await run("pdfsig", ["-nssdir", nss, file]);
    expect(checked.stdout).toContain("Signature is Valid.");
    expect(checked.stdout).toContain("Total document signed");
  }, 120_000);

  it("prints the refusal's reason", async () => {
    const ids = dossier();
    const reason = "Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân xã";
    await signature.publish("applicationRefused", {
      ...ids,
      status: common.DossierStatus.DOSSIER_STATUS_REFUSED,
      refusedAt: "2026-12-04T03:00:00.000Z",
      reason,
      officialId: "tiep-nhan-muong-lat",
      procedureName: PROCEDURE,
      receivingUnit: MUONG_LAT,
    });
    const slip = await slipOf(ids.dossierId, events.SlipKind.SLIP_KIND_REFUSAL);
    const text = await textOf(await download(slip.downloadPath));
    expect(text).toContain("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ");
    expect(text).toContain(`Lý do từ chối: ${reason}`);
  }, 120_000);

  it("signs the apology with the leader's key, with the old and new appointments and the reason; a non-leader's is refused", async () => {
    const ids = dossier();
    const apology = {
      ...ids,
      issuedAt: "2026-12-10T02:00:00.000Z",
      previousAppointmentAt: "2026-12-11T02:00:00.000Z",
      newAppointmentAt: "2026-12-16T02:00:00.000Z",
      reason: "Chờ kết quả xác minh của cơ quan liên quan",
      apologyNumber: 1,
      procedureName: PROCEDURE,
      competentAuthority: MUONG_LAT,
      receivingUnit: MUONG_LAT,
    };
    await signature.publish("apologyIssued", { ...apology, officialId: "chu-tich-muong-lat" });
    const slip = await slipOf(ids.dossierId, events.SlipKind.SLIP_KIND_APOLOGY);
    const text = await textOf(await download(slip.downloadPath));
    for (const expected of [
      "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
      "Thời gian hẹn trả kết quả: 09 giờ 00, ngày 11 tháng 12 năm 2026",
      `Lý do chậm trả kết quả: ${apology.reason}`,
      "xin lỗi ông/bà vì sự chậm trễ này và đề nghị gia hạn thời gian giải quyết hồ sơ đến 09 giờ 00, ngày 16 tháng 12 năm 2026",
      "THỦ TRƯỞNG CƠ QUAN",
      "Mã cán bộ: chu-tich-muong-lat",
    ]) {
      expect(text).toContain(expected);
    }

    // A receiving officer is no leader of the authority: the authorization rules refuse, and nothing is issued.
    const other = dossier();
    await signature.publish("apologyIssued", { ...apology, ...other, officialId: "tiep-nhan-muong-lat" });
    await waitFor(
      async () =>
        (await signature.auditEntries()).some(
          (entry) =>
            entry.action === "issue_slip" && entry.outcome === "refused" && entry.target.includes(other.dossierId),
        ),
      { description: "the refused apology slip in the audit log", timeoutMs: 60_000 },
    );
    expect(signature.eventsOf(other.dossierId, "slipIssued")).toEqual([]);
  }, 120_000);
  it("issues form 01 in the receiving centre's name when it is not the competent authority", async () => {
    const ids = dossier();
    await signature.publish("applicationAccepted", {
      ...ids,
      acceptedAt: "2026-12-04T02:32:00.000Z",
      appointmentAt: "2026-12-11T02:00:00.000Z",
      officialId: CENTRE_OFFICER,
      procedureName: PROCEDURE,
      receivingUnit: PROVINCIAL_CENTRE,
      competentAuthority: MUONG_LAT,
    });
    const slip = await slipOf(ids.dossierId, events.SlipKind.SLIP_KIND_RECEIPT);
    // Read by the competent authority's system, a tenant of the slip as the centre is.
    const text = await textOf(await download(slip.downloadPath));
    for (const expected of [
      "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH THANH HÓA",
      "Thanh Hoá, ngày 04 tháng 12 năm 2026",
      `${PROVINCIAL_CENTRE.name} đã tiếp nhận hồ sơ lúc 09 giờ 32, ngày 04 tháng 12 năm 2026.`,
      `Cơ quan giải quyết: ${MUONG_LAT.name}`,
      `Nơi trả kết quả: Bộ phận tiếp nhận và trả kết quả, ${PROVINCIAL_CENTRE.name}.`,
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain("ỦY BAN NHÂN DÂN XÃ MƯỜNG LÁT");
  }, 120_000);
});

/**
 * What needs no PDF reader: idempotency, occurrences, refusals and tenancy,
 * read from signature's events, its audit log and its APIs.
 */
describe("signature: the desk's slips' identity and access", () => {
  let signature: SignatureHarness;

  beforeAll(async () => {
    signature = await startSignature({ env: { SIGNATURE_TRACKING_URL: TRACKING } });
  }, 120_000);

  afterAll(async () => {
    await signature?.stop();
  });

  async function slipOf(dossierId: string, kind: events.SlipKind) {
    await waitFor(() => signature.eventsOf(dossierId, "slipIssued").some((slip) => slip.kind === kind), {
      description: `slip ${kind} of ${dossierId}`,
      timeoutMs: 60_000,
    });
    return signature.eventsOf(dossierId, "slipIssued").find((slip) => slip.kind === kind)!;
  }

  /** How many events of a type signature's consumer has handled (its inbox markers). */
  async function handled(type: EventTypeName): Promise<number> {
    return (await signature.runtime.store.find(inbox, {})).filter(({ data }) => data.type === EventTypes[type].type)
      .length;
  }

  it("issues one slip for an event delivered twice", async () => {
    const ids = dossier();
    const accepted = {
      ...ids,
      acceptedAt: "2026-12-04T02:32:00.000Z",
      appointmentAt: "2026-12-11T02:00:00.000Z",
      officialId: "tiep-nhan-muong-lat",
      procedureName: PROCEDURE,
      receivingUnit: MUONG_LAT,
      competentAuthority: MUONG_LAT,
    };
    // Two publications are two event ids: the inbox marker cannot tell them apart, the slip's document id does.
    const acceptedBefore = await handled("applicationAccepted");
    await signature.publish("applicationAccepted", accepted);
    await signature.publish("applicationAccepted", accepted);
    await slipOf(ids.dossierId, events.SlipKind.SLIP_KIND_RECEIPT);
    await waitFor(
      async () =>
        (await signature.auditEntries()).filter(
          (entry) => entry.action === "issue_slip" && entry.target.includes(ids.dossierId),
        ).length >= 1,
      { description: "the receipt's audit entry", timeoutMs: 60_000 },
    );
    // Both deliveries handled (each leaves its inbox marker, in the commit of whatever it did) before counting.
    await waitFor(async () => (await handled("applicationAccepted")) >= acceptedBefore + 2, {
      description: "both deliveries in the inbox",
      timeoutMs: 60_000,
    });
    expect(signature.eventsOf(ids.dossierId, "slipIssued")).toHaveLength(1);
    const listed = await signature.request("GET", `/v1/dossiers/${ids.dossierCode}/slips`, { as: DESK });
    expect(((await listed.json()) as { slips: unknown[] }).slips).toHaveLength(1);
  }, 120_000);

  it("lists and hands out a dossier's slips over REST and gRPC to its tenants only", async () => {
    const ids = dossier();
    await signature.publish("applicationAccepted", {
      ...ids,
      acceptedAt: "2026-12-04T02:32:00.000Z",
      appointmentAt: "2026-12-11T02:00:00.000Z",
      officialId: "tiep-nhan-muong-lat",
      procedureName: PROCEDURE,
      receivingUnit: MUONG_LAT,
      competentAuthority: MUONG_LAT,
    });
    const slip = await slipOf(ids.dossierId, events.SlipKind.SLIP_KIND_RECEIPT);

    const rest = await signature.request("GET", `/v1/dossiers/${ids.dossierId}/slips`, { as: DESK });
    expect(rest.status).toBe(200);
    expect(await rest.json()).toEqual({
      slips: [
        expect.objectContaining({
          documentId: slip.documentId,
          dossierCode: ids.dossierCode,
          kind: "receipt",
          officialId: "tiep-nhan-muong-lat",
          sha256: slip.sha256,
          downloadPath: slip.downloadPath,
        }),
      ],
    });
    const listed = await signature.grpc.listSlips({ dossierRef: ids.dossierCode }, DESK);
    expect(listed.slips.map((entry) => [entry.documentId, entry.kind])).toEqual([
      [slip.documentId, events.SlipKind.SLIP_KIND_RECEIPT],
    ]);
    const got = await signature.grpc.getDocument({ documentId: slip.documentId }, DESK);
    expect(got.pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(got).toMatchObject({ sha256: slip.sha256, slip: { kind: events.SlipKind.SLIP_KIND_RECEIPT } });

    // Another commune's system: as if the dossier had no slips, and the document as if it did not exist.
    expect((await signature.request("GET", `/v1/dossiers/${ids.dossierId}/slips`, { as: OTHER_TENANT })).status).toBe(
      404,
    );
    expect((await signature.request("GET", slip.downloadPath, { as: OTHER_TENANT })).status).toBe(404);
    expect((await refusal(signature.grpc.getDocument({ documentId: slip.documentId }, OTHER_TENANT))).code).toBe(
      grpc.status.NOT_FOUND,
    );
    // Without a commune system's key: no access at all.
    expect((await signature.request("GET", `/v1/dossiers/${ids.dossierId}/slips`)).status).toBe(401);
    // Access decisions are committed within the host's flush interval.
    const decided = async (outcome: string) =>
      (await signature.auditEntries()).some(
        (entry) =>
          entry.action === "list_slips" &&
          entry.outcome === outcome &&
          entry.target === `dossier:${ids.dossierId}` &&
          (outcome === "allowed"
            ? entry.clientId === DEVELOPMENT_CLIENTS.muongLat.clientId
            : entry.clientId === DEVELOPMENT_CLIENTS.tamChung.clientId && entry.reason === "NOT_A_TENANT"),
      );
    await waitFor(() => decided("allowed"), { description: "the desk's listing in the audit log", timeoutMs: 30_000 });
    await waitFor(() => decided("denied"), {
      description: "the other tenant's refusal in the audit log",
      timeoutMs: 30_000,
    });
  }, 120_000);

  it("issues a slip for each occurrence of a kind: two apologies, two documents", async () => {
    const ids = dossier();
    const apology = {
      ...ids,
      reason: "Chờ kết quả xác minh của cơ quan liên quan",
      procedureName: PROCEDURE,
      competentAuthority: MUONG_LAT,
      receivingUnit: MUONG_LAT,
      officialId: "chu-tich-muong-lat",
    };
    await signature.publish("apologyIssued", {
      ...apology,
      issuedAt: "2026-12-10T02:00:00.000Z",
      previousAppointmentAt: "2026-12-11T02:00:00.000Z",
      newAppointmentAt: "2026-12-16T02:00:00.000Z",
      apologyNumber: 1,
    });
    await signature.publish("apologyIssued", {
      ...apology,
      issuedAt: "2026-12-15T02:00:00.000Z",
      previousAppointmentAt: "2026-12-16T02:00:00.000Z",
      newAppointmentAt: "2026-12-18T02:00:00.000Z",
      apologyNumber: 2,
    });
    await waitFor(() => signature.eventsOf(ids.dossierId, "slipIssued").length >= 2, {
      description: "both apologies' slips",
      timeoutMs: 60_000,
    });
    const issued = signature.eventsOf(ids.dossierId, "slipIssued");
    expect(issued.map((slip) => slip.kind)).toEqual([
      events.SlipKind.SLIP_KIND_APOLOGY,
      events.SlipKind.SLIP_KIND_APOLOGY,
    ]);
    expect(new Set(issued.map((slip) => slip.documentId)).size).toBe(2);
    const listed = await signature.request("GET", `/v1/dossiers/${ids.dossierCode}/slips`, { as: DESK });
    expect(((await listed.json()) as { slips: { kind: string }[] }).slips.map((slip) => slip.kind)).toEqual([
      "apology",
      "apology",
    ]);
  }, 120_000);

  it("refuses a slip whose receiving unit has no name rather than print another unit as its issuer", async () => {
    const nameless = { ...PROVINCIAL_CENTRE, name: "" };
    const accepted = dossier();
    await signature.publish("applicationAccepted", {
      ...accepted,
      acceptedAt: "2026-12-04T02:32:00.000Z",
      appointmentAt: "2026-12-11T02:00:00.000Z",
      officialId: CENTRE_OFFICER,
      procedureName: PROCEDURE,
      receivingUnit: nameless,
      competentAuthority: MUONG_LAT,
    });
    const refused = dossier();
    await signature.publish("applicationRefused", {
      ...refused,
      refusedAt: "2026-12-04T03:00:00.000Z",
      reason: "Hồ sơ không thuộc thẩm quyền",
      officialId: CENTRE_OFFICER,
      procedureName: PROCEDURE,
      receivingUnit: nameless,
    });
    for (const ids of [accepted, refused]) {
      await waitFor(
        async () =>
          (await signature.auditEntries()).some(
            (entry) =>
              entry.action === "issue_slip" &&
              entry.outcome === "refused" &&
              entry.reason === "INVALID_DOCUMENT_INPUT" &&
              entry.target.includes(`dossier:${ids.dossierId}`),
          ),
        { description: `the refused slip of ${ids.dossierId} in the audit log`, timeoutMs: 60_000 },
      );
      expect(signature.eventsOf(ids.dossierId, "slipIssued")).toEqual([]);
    }
    expect(signature.deadLetters).toEqual([]);
  }, 120_000);

  it("lists to each tenant the slips it may read after a transfer; 404 only to a unit with none", async () => {
    const ids = dossier();
    await signature.publish("applicationAccepted", {
      ...ids,
      acceptedAt: "2026-12-04T02:32:00.000Z",
      appointmentAt: "2026-12-11T02:00:00.000Z",
      officialId: "tiep-nhan-muong-lat",
      procedureName: PROCEDURE,
      receivingUnit: MUONG_LAT,
      competentAuthority: MUONG_LAT,
    });
    const receipt = await slipOf(ids.dossierId, events.SlipKind.SLIP_KIND_RECEIPT);
    // Transferred to Tam Chung, whose official asks for a supplement: a slip of Tam Chung and of the desk.
    await signature.publish("supplementRequested", {
      ...ids,
      requestedAt: "2026-12-05T03:00:00.000Z",
      missingItems: ["Bản sao Giấy chứng sinh"],
      officialId: "chu-tich-tam-chung",
      procedureName: PROCEDURE,
      receivingUnit: MUONG_LAT,
      competentAuthority: TAM_CHUNG,
    });
    const supplement = await slipOf(ids.dossierId, events.SlipKind.SLIP_KIND_SUPPLEMENT_REQUEST);
    const listed = async (as: Credentials) => {
      const response = await signature.request("GET", `/v1/dossiers/${ids.dossierId}/slips`, { as });
      expect(response.status).toBe(200);
      return ((await response.json()) as { slips: { documentId: string }[] }).slips.map((slip) => slip.documentId);
    };
    expect(await listed(DESK)).toEqual([receipt.documentId, supplement.documentId]);
    expect(await listed(OTHER_TENANT)).toEqual([supplement.documentId]);
    expect((await signature.grpc.listSlips({ dossierRef: ids.dossierCode }, OTHER_TENANT)).slips.length).toBe(1);
    expect((await signature.request("GET", `/v1/dossiers/${ids.dossierId}/slips`, { as: POLICE })).status).toBe(404);
    await waitFor(
      async () =>
        (await signature.auditEntries()).some(
          (entry) =>
            entry.action === "list_slips" &&
            entry.outcome === "allowed" &&
            entry.target === `dossier:${ids.dossierId}` &&
            entry.clientId === DEVELOPMENT_CLIENTS.tamChung.clientId,
        ),
      { description: "Tam Chung's listing in the audit log", timeoutMs: 30_000 },
    );
  }, 120_000);
  it("refuses a desk slip signed with a key not declared for the issuing unit: Tam Chung's officer, Mường Lát's receipt", async () => {
    const ids = dossier();
    await signature.publish("applicationAccepted", {
      ...ids,
      acceptedAt: "2026-12-04T02:32:00.000Z",
      appointmentAt: "2026-12-11T02:00:00.000Z",
      officialId: "tiep-nhan-tam-chung",
      procedureName: PROCEDURE,
      receivingUnit: MUONG_LAT,
      competentAuthority: MUONG_LAT,
    });
    await waitFor(
      async () =>
        (await signature.auditEntries()).some(
          (entry) =>
            entry.action === "issue_slip" &&
            entry.outcome === "refused" &&
            entry.reason === "SIGNER_NOT_AUTHORIZED" &&
            entry.target.includes(`dossier:${ids.dossierId}`),
        ),
      { description: "the refused receipt in the audit log", timeoutMs: 60_000 },
    );
    expect(signature.eventsOf(ids.dossierId, "slipIssued")).toEqual([]);
  }, 120_000);
  it("never shows a stored slip of a kind it does not know as another form", async () => {
    const ids = dossier();
    const documentId = "00000000-0000-4000-8000-0000000f0099";
    await signature.runtime.store.commit([
      put(
        documents,
        documentId,
        {
          documentId,
          ...ids,
          sha256: "0".repeat(64),
          signerSubject: "CN=test",
          signedAt: "2026-12-04T02:32:00.000Z",
          sizeBytes: 1,
          receivingUnitCode: MUONG_LAT.code,
          competentAuthorityCode: MUONG_LAT.code,
          // A kind a newer writer might store.
          slipKind: 99,
          officialId: "tiep-nhan-muong-lat",
        },
        0,
      ),
    ]);
    const listed = await signature.request("GET", `/v1/dossiers/${ids.dossierId}/slips`, { as: DESK });
    expect(listed.status).toBe(500);
    expect(await listed.text()).not.toContain("receipt");
  }, 120_000);
});
