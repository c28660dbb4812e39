/**
 * A whole province's catalog, as the portal exports it, through `lienthong
 * import catalog`: 2,160 rows whose agencies include kinds the platform does
 * not build in, texts such as "30 Ngày làm việc" and "Phí: 0 Đồng", and
 * per-channel terms. Made up by libs/testing (no real catalog is copied here).
 */
import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import Ajv2020 from "ajv/dist/2020";
import { common } from "@lienthong/contracts";
import {
  computeAppointment,
  createCalendar,
  loadReferenceData,
  parseCatalogCsv,
  resolveCompetentAuthority,
  sampleUnits,
  termsFor,
  vietnamDate,
} from "@lienthong/domain";
import { FEATURED_PROCEDURE, provinceCatalogCsv, provinceCatalogRows } from "@lienthong/testing";
import { ScaleDossierGenerator } from "../src/bench/scale-data";
import { validateCatalogCsv } from "../src/commands/import-catalog";
import type { ProgressFactory } from "../src/commands/import-progress";
import { CLI, REPO, dataDirectories, lienthong } from "./support/cli";

const dataDir = dataDirectories("lienthong-province-catalog-");
/** The assignment's channel is a number, as the event carried it. */
const ONLINE: number = common.Channel.CHANNEL_ONLINE;

const ADDED_KINDS = [
  { kind: "so_khoa_hoc_va_cong_nghe", name: "Sở Khoa học và Công nghệ", level: "province", mark: "SKHCN" },
  { kind: "so_dan_toc_va_ton_giao", name: "Sở Dân tộc và Tôn giáo", level: "province", mark: "SDTTG" },
  { kind: "so_ngoai_vu", name: "Sở Ngoại vụ", level: "province", mark: "SNGV" },
  {
    kind: "ban_quan_ly_khu_kinh_te_va_cac_khu_cong_nghiep",
    name: "Ban Quản lý Khu kinh tế và các khu công nghiệp",
    level: "province",
    mark: "BQLKKT",
  },
  { kind: "thue", name: "Thuế", level: "province", mark: "THUE" },
  { kind: "bao_hiem_xa_hoi", name: "Bảo hiểm xã hội", level: "province", mark: "BHXH" },
];

describe("a whole province's catalog from the portal's export", () => {
  it("imports 2,160 portal-style rows with agency kinds not built in, in seconds, for the services to load", async () => {
    const dir = dataDir();
    const file = path.join(dir, "thanh-hoa.csv");
    writeFileSync(file, provinceCatalogCsv());

    const started = performance.now();
    const result = await lienthong("import", "catalog", file, "--data-dir", dir, "--json");
    const seconds = (performance.now() - started) / 1000;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const report = JSON.parse(result.stdout) as { summary: Record<string, unknown>; installed: string };
    expect(report.summary).toMatchObject({
      procedures: 2_000,
      versions: 2_160,
      byLevel: { commune: 222, province: 1_778 },
      agencyKindsAdded: ADDED_KINDS,
    });
    // The issue's "imports in seconds": a node process starting, reading, checking and installing the file
    // (about 2 s when idle); the bound is generous so that a busy 2-core machine still passes.
    expect(seconds).toBeLessThan(45);

    // What is installed (portal texts read into numbers, the kinds the file added) is what the schema describes.
    const validate = new Ajv2020({ allErrors: true, strictRequired: false }).compile(
      JSON.parse(readFileSync(path.join(REPO, "docs/catalog/catalog.schema.json"), "utf8")),
    );
    expect(validate(JSON.parse(readFileSync(report.installed, "utf8"))) || validate.errors).toBe(true);

    const reference = loadReferenceData({ dataDir: dir });
    expect(reference.sources.catalog).toBe(report.installed);
    expect(reference.catalog.all()).toHaveLength(2_160);
    const featured = reference.catalog.get(FEATURED_PROCEDURE.code, vietnamDate(2026, 3, 2));
    expect(featured).toMatchObject({
      agencyKind: "so_khoa_hoc_va_cong_nghe",
      onlineService: "full",
      legalBasis: ["Luật số 01/2025/QH15", "Nghị định số 118/2025/NĐ-CP"],
      resultType: "Văn bản chấp thuận của Sở Khoa học và Công nghệ",
    });
    expect(termsFor(featured, "in_person")).toEqual({
      processingTime: { value: FEATURED_PROCEDURE.inPersonWorkingDays, unit: "working_days" },
      fee: FEATURED_PROCEDURE.inPersonFeeVnd,
    });
    expect(termsFor(featured, "online")).toEqual({
      processingTime: { value: FEATURED_PROCEDURE.onlineWorkingDays, unit: "working_days" },
      fee: FEATURED_PROCEDURE.onlineFeeVnd,
    });
    // Second versions apply from their day; calendar days and the same-day cut-off read from the portal's words.
    expect(reference.catalog.versions("2.101000").map((v) => v.validFrom)).toEqual(["2025-07-01", "2026-01-01"]);
    expect(reference.catalog.get("3.100002", vietnamDate(2026, 3, 2)).processingTime).toEqual({
      value: 20,
      unit: "calendar_days",
    });
    expect(reference.catalog.get("2.100004", vietnamDate(2026, 3, 2)).processingTime).toEqual({
      value: 1,
      unit: "same_day",
      cutoffHour: 15,
    });
    expect(
      resolveCompetentAuthority({
        procedure: featured,
        applicantCommuneCode: "14845",
        units: sampleUnits(),
        agencyKinds: reference.catalog.agencyKinds,
      }),
    ).toMatchObject({ code: FEATURED_PROCEDURE.agencyCode, name: FEATURED_PROCEDURE.agencyName });
  }, 120_000);

  it("seeds the scale benchmark's dossiers from it, with its added kinds and each channel's terms", () => {
    const catalog = parseCatalogCsv(provinceCatalogCsv());
    const calendar = createCalendar();
    const generator = new ScaleDossierGenerator({
      count: 3_000,
      now: vietnamDate(2026, 3, 2, 12),
      seed: 7,
      reference: { units: sampleUnits(), catalog, calendar },
    });
    const dossiers = [...generator.dossiers()];
    const accepted = dossiers.map((d) => d.assignment).filter((a) => a.acceptedAt !== null && a.appointmentAt !== null);
    expect(accepted.length).toBeGreaterThan(100);
    const channels = new Set(accepted.map((a) => a.channel));
    expect(channels).toEqual(new Set([common.Channel.CHANNEL_ONLINE, common.Channel.CHANNEL_COUNTER]));
    let differing = 0;
    let differingFees = 0;
    for (const assignment of accepted) {
      const procedure = catalog.version(assignment.procedureCode, assignment.procedureVersion)!;
      const channel = assignment.channel === ONLINE ? "online" : "in_person";
      const terms = termsFor(procedure, channel);
      if (channel === "online" && procedure.online) differing += 1;
      expect(assignment.appointmentAt).toBe(
        computeAppointment(
          new Date(assignment.acceptedAt!),
          terms.processingTime,
          calendar,
          assignment.competentProvinceCode,
        ).toISOString(),
      );
      if (!assignment.payment) continue;
      expect(assignment.payment.amountVnd).toBe(terms.fee || 50_000);
      if (terms.fee !== procedure.fee) differingFees += 1;
    }
    // Online dossiers whose procedure has its own online terms were among them: the check above told them apart.
    expect(differing).toBeGreaterThan(10);
    expect(differingFees).toBeGreaterThan(0);
  });

  it("moves a progress bar once per row", () => {
    const bars: { unit: string; total: number; ticks: number; stopped: number }[] = [];
    const progress: ProgressFactory = (unit, total) => {
      const bar = { unit, total, ticks: 0, stopped: 0 };
      bars.push(bar);
      return { tick: () => (bar.ticks += 1), stop: () => (bar.stopped += 1) };
    };
    expect(validateCatalogCsv(provinceCatalogCsv(), progress).ok).toBe(true);
    expect(bars).toEqual([{ unit: "procedures", total: 2_160, ticks: 2_160, stopped: 1 }]);
  });

  it("draws the bar on an operator's terminal, and only there", async () => {
    const dir = dataDir();
    const file = path.join(dir, "thanh-hoa.csv");
    writeFileSync(file, provinceCatalogCsv());
    const command = [process.execPath, CLI, "import", "catalog", file, "--data-dir", dir, "--dry-run"]
      .map((arg) => `'${arg}'`)
      .join(" ");
    // script(1) runs the command on a terminal of its own, as an operator's shell does, and copies what it shows.
    const terminal = await new Promise<{ code: number | null; shown: string }>((resolve, reject) => {
      const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["ignore", "pipe", "inherit"] });
      let shown = "";
      child.stdout.on("data", (chunk: Buffer) => (shown += chunk.toString("utf8")));
      child.once("error", reject);
      child.once("close", (code) => resolve({ code, shown }));
    });
    expect(terminal.code).toBe(0);
    expect(terminal.shown).toContain(" 0/2160 procedures");
    expect(terminal.shown).toContain(" 2160/2160 procedures");
    expect(terminal.shown).toContain("2,000 procedures (2,160 versions)");
    // Redirected, the report alone.
    const piped = await lienthong("import", "catalog", file, "--data-dir", dir, "--dry-run");
    expect(piped.stderr).toBe("");
  }, 60_000);

  it("refuses a file with bad rows, naming row, column and reason, and leaves the installed catalog as it was", async () => {
    const dir = dataDir();
    const good = path.join(dir, "good.csv");
    writeFileSync(good, provinceCatalogCsv());
    expect((await lienthong("import", "catalog", good, "--data-dir", dir)).code).toBe(0);
    const installed = path.join(dir, "reference", "catalog.json");
    const before = { text: readFileSync(installed, "utf8"), mtimeMs: statSync(installed).mtimeMs };

    const rows = provinceCatalogRows();
    rows[10]!.processingTimeInPerson = "Không quy định";
    rows[11]!.feeInPerson = "0,5% giá trị hợp đồng";
    rows[12]!.onlineService = "Mức độ 5";
    // The first row of Sở Ngoại vụ without its own mark: its initials are Sở Nội vụ's.
    rows[2]!.agencyMark = "";
    rows[14]!.processingTimeOnline = "8 giờ làm việc";
    const bad = path.join(dir, "bad.csv");
    writeFileSync(bad, provinceCatalogCsv(rows));
    const result = await lienthong("import", "catalog", bad, "--data-dir", dir, "--json");
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).issues).toEqual([
      {
        entry: "row 4 (3.100002)",
        field: "competentAgency",
        reason:
          'its stand-in code mark SNV is already "Sở Nội vụ"\'s (department_of_home_affairs): give the kind its own mark',
      },
      {
        entry: "row 12 (2.100010)",
        field: "processingTimeInPerson",
        reason:
          '"Không quy định" sets no time limit; every accepted dossier gets an appointment, so give one (e.g. 30 ngày làm việc)',
      },
      {
        entry: "row 13 (3.100011)",
        field: "feeInPerson",
        reason:
          '"0,5% giá trị hợp đồng" is a share of a value, which depends on the case: give a fixed amount in đồng per dossier',
      },
      {
        entry: "row 14 (1.100012)",
        field: "onlineService",
        reason:
          '"Mức độ 5" is not an online-service level: write Toàn trình, Một phần, Cung cấp thông tin (not online) or leave it empty',
      },
      {
        entry: "row 16 (3.100014)",
        field: "processingTimeOnline",
        reason:
          '"8 giờ làm việc" counts in giờ làm việc: the platform counts time limits in days; write ngày làm việc (8 working hours a day), ngày or Trong ngày',
      },
    ]);
    expect({ text: readFileSync(installed, "utf8"), mtimeMs: statSync(installed).mtimeMs }).toEqual(before);
  }, 60_000);
});
