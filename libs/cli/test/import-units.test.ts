/**
 * `lienthong import units` as an operator runs it: the built CLI as a child
 * process, the national list from ../shared/data, a temporary data directory.
 */
import { SHARED_DATA, dataDirectories, lienthong } from "./support/cli";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadReferenceData } from "@lienthong/domain";

const UNITS_FILE = path.join(SHARED_DATA, "vn-units-2026-07-25.json");

const dataDir = dataDirectories("lienthong-import-units-");

/** A hand-written file with one bad commune code, in the national format. */
const BAD_UNITS = [
  {
    Code: "38",
    Name: "Thanh Hoá",
    FullName: "Tỉnh Thanh Hoá",
    AdministrativeUnitId: 2,
    Wards: [
      { Code: "14845", Name: "Mường Lát", FullName: "Xã Mường Lát", ProvinceCode: "38", AdministrativeUnitId: 4 },
      { Code: "1484", Name: "Tam Chung", FullName: "Xã Tam Chung", ProvinceCode: "38", AdministrativeUnitId: 4 },
    ],
  },
];

describe("lienthong import units: a file the operator got wrong", () => {
  it("exits 2, names the entry and the field, and installs nothing", async () => {
    const dir = dataDir();
    const file = path.join(dir, "bad-units.json");
    writeFileSync(file, JSON.stringify(BAD_UNITS));
    const [human, json] = await Promise.all([
      lienthong("import", "units", file, "--data-dir", dir),
      lienthong("import", "units", file, "--data-dir", dir, "--json"),
    ]);
    expect(human.code).toBe(2);
    expect(human.stdout).toContain("[0] 38 Thanh Hoá / Wards[1] 1484: Code: must be a 5-digit string");
    expect(human.stdout).toContain("Nothing was installed.");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      installed: null,
      issues: [{ entry: "[0] 38 Thanh Hoá / Wards[1] 1484", field: "Code" }],
    });
    expect(existsSync(path.join(dir, "reference"))).toBe(false);
  });

  it("exits 1 with a clear message when the file cannot be read", async () => {
    const dir = dataDir();
    const result = await lienthong("import", "units", path.join(dir, "no-such-file.json"), "--data-dir", dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read .*no-such-file\.json: ENOENT/);
  });
});

const haveData = existsSync(UNITS_FILE);
describe("lienthong import units: the national list of 2026-07-25", () => {
  if (!haveData && process.env.CI === "true") {
    it("needs the reference data", () => {
      throw new Error(`${UNITS_FILE} is missing: CI must provide ../shared/data`);
    });
    return;
  }
  if (!haveData) {
    it.todo(`import the national list (needs ${UNITS_FILE})`);
    return;
  }

  it("reports 34 provinces and 3,321 units (Thanh Hoá 166, Hưng Yên 104), installs them, and the services' loader serves them", async () => {
    const installDir = dataDir();
    const dryRunDir = dataDir();
    const [human, json] = await Promise.all([
      lienthong("import", "units", UNITS_FILE, "--data-dir", installDir),
      lienthong("import", "units", UNITS_FILE, "--data-dir", dryRunDir, "--json", "--dry-run"),
    ]);

    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({
      kind: "units",
      ok: true,
      issues: [],
      dryRun: true,
      installed: null,
      summary: { provinces: 34, units: 3321 },
    });
    expect(report.summary.perProvince).toHaveLength(34);
    expect(report.summary.perProvince).toEqual(
      expect.arrayContaining([
        { code: "38", name: "Thanh Hoá", units: 166 },
        { code: "33", name: "Hưng Yên", units: 104 },
      ]),
    );
    const { xa, phuong, dac_khu } = report.summary.byKind;
    expect(xa + phuong + dac_khu).toBe(3321);
    expect(dac_khu).toBe(13);
    expect(existsSync(path.join(dryRunDir, "reference"))).toBe(false);

    expect(human.code).toBe(0);
    expect(human.stdout).toContain("34 provinces, 3,321 commune-level units");
    expect(human.stdout).toMatch(/│ 38\s+│ Thanh Hoá\s+│\s+166 │/);
    expect(human.stdout).toMatch(/│ 33\s+│ Hưng Yên\s+│\s+104 │/);
    expect(human.stdout).toMatch(/│\s+│ total: 34 provinces\s+│\s+3,321 │/);
    expect(human.stdout).toMatch(/by kind: [\d,]+ xã, [\d,]+ phường, 13 đặc khu/);
    const installed = path.join(installDir, "reference", "units.json");
    expect(human.stdout).toContain(`Installed ${installed}. Running services pick it up on restart.`);
    expect(human.stderr).not.toMatch(/█|░/);

    const reference = loadReferenceData({ dataDir: installDir });
    expect(reference.sources.units).toBe(installed);
    expect(reference.units.counts()).toMatchObject({ provinces: 34, communes: 3321 });
    expect(reference.units.communesOf("38")).toHaveLength(166);
    expect(reference.units.commune("14845")).toMatchObject({
      fullName: "Xã Mường Lát",
      provinceCode: "38",
      kind: "xa",
    });

    // A later bad import leaves the installed file as it was, with no temporary file beside it.
    const before = statSync(installed).mtimeMs;
    const bad = path.join(installDir, "bad.json");
    writeFileSync(bad, JSON.stringify(BAD_UNITS));
    expect((await lienthong("import", "units", bad, "--data-dir", installDir)).code).toBe(2);
    expect(statSync(installed).mtimeMs).toBe(before);
    expect(readdirSync(path.join(installDir, "reference"))).toEqual(["units.json"]);
    expect(JSON.parse(readFileSync(installed, "utf8"))).toHaveLength(34);
  });
});
