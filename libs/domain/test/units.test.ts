import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdministrativeUnits,
  importUnits,
  importUnitsFile,
  loadUnitsFile,
  sampleUnits,
  UnitsFormatError,
} from "../src";
import { describeWithSharedData } from "./shared-data";

function writeTemp(data: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "units-")), "units.json");
  writeFileSync(path, JSON.stringify(data));
  return path;
}

const ward = (code: string, name: string, provinceCode: string, unitId = 4) => ({
  Code: code,
  Name: name,
  FullName: `Xã ${name}`,
  ProvinceCode: provinceCode,
  AdministrativeUnitId: unitId,
});

describe("administrative units", () => {
  it("ships a sample with Mường Lát in Thanh Hoá", () => {
    const units = sampleUnits();
    expect(units.commune("14845")).toEqual({
      code: "14845",
      name: "Mường Lát",
      fullName: "Xã Mường Lát",
      provinceCode: "38",
      kind: "xa",
    });
    expect(units.province("38")?.fullName).toBe("Tỉnh Thanh Hoá");
    expect(units.communesOf("01").map((c) => c.code)).toContain("00004");
    expect(units.counts().byKind.dac_khu).toBe(2);
    expect(units.commune("99999")).toBeUndefined();
    expect(units.communesOf("99")).toEqual([]);
  });

  it("names the province of a commune, of a province, and of a provincial agency; none for an unknown code", () => {
    const units = sampleUnits();
    expect(units.provinceOf("14845")).toBe("38");
    expect(units.provinceOf("38")).toBe("38");
    expect(units.provinceOf("38.CA")).toBe("38");
    expect(units.provinceOf("99")).toBeUndefined();
    expect(units.provinceOf("99999")).toBeUndefined();
    expect(units.provinceOf("")).toBeUndefined();
  });

  it("refuses a commune of an unknown province", () => {
    expect(
      () =>
        new AdministrativeUnits(
          [],
          [{ code: "14845", name: "Mường Lát", fullName: "Xã Mường Lát", provinceCode: "38", kind: "xa" }],
        ),
    ).toThrow(/commune 14845: unknown province "38"/);
  });

  it("loads the national file format", () => {
    const path = writeTemp([
      {
        Code: "38",
        Name: "Thanh Hoá",
        FullName: "Tỉnh Thanh Hoá",
        AdministrativeUnitId: 2,
        Wards: [ward("14845", "Mường Lát", "38"), ward("14797", "Hạc Thành", "38", 3)],
      },
    ]);
    const units = loadUnitsFile(path);
    expect(units.counts()).toEqual({
      provinces: 1,
      communes: 2,
      communesByProvince: { "38": 2 },
      byKind: { phuong: 1, xa: 1, dac_khu: 0 },
    });
    expect(units.commune("14797")?.kind).toBe("phuong");
  });

  it("names every offending entry and field", () => {
    const path = writeTemp([
      {
        Code: "38",
        Name: "Thanh Hoá",
        FullName: "Tỉnh Thanh Hoá",
        AdministrativeUnitId: 2,
        Wards: [
          ward("14845", "Mường Lát", "38"),
          ward("1484", "Sai mã", "38"),
          ward("14848", "Tam Chung", "40"),
          ward("14845", "Trùng", "38"),
          ward("14851", "Lạ", "38", 9),
        ],
      },
      { Code: "4", Name: "Nghệ An", FullName: "Tỉnh Nghệ An", AdministrativeUnitId: 2, Wards: [] },
    ]);
    let error: unknown;
    try {
      loadUnitsFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnitsFormatError);
    const issues = (error as UnitsFormatError).issues.map((i) => `${i.entry} ${i.field}: ${i.reason}`);
    expect(issues).toEqual([
      "[0] 38 Thanh Hoá / Wards[1] 1484 Code: must be a 5-digit string",
      '[0] 38 Thanh Hoá / Wards[2] 14848 ProvinceCode: must equal the enclosing province code "38"',
      "[0] 38 Thanh Hoá / Wards[3] 14845 Code: duplicate commune code",
      "[0] 38 Thanh Hoá / Wards[4] 14851 AdministrativeUnitId: must be 3 (phường), 4 (xã) or 5 (đặc khu)",
      "[1] 4 Nghệ An Code: must be a 2-digit string",
    ]);
    expect((error as Error).message).toContain(path);
  });

  it("reports unreadable JSON with the path", () => {
    const path = join(mkdtempSync(join(tmpdir(), "units-")), "broken.json");
    writeFileSync(path, "{ not json");
    expect(() => loadUnitsFile(path)).toThrow(/cannot be read as JSON/);
    expect(importUnits({}).report.issues[0]).toMatchObject({ field: "(root)" });
  });
});

describeWithSharedData("vn-units-2026-07-25.json", "national units file", (path) => {
  const units = loadUnitsFile(path);

  it("has 34 provinces and 3,321 communes with the known counts", () => {
    const counts = units.counts();
    expect(counts.provinces).toBe(34);
    expect(counts.communes).toBe(3321);
    expect(counts.communesByProvince).toMatchObject({ "38": 166, "33": 104, "01": 126, "15": 99 });
  });

  it("imports with a clean report", () => {
    const { report } = importUnitsFile(path);
    expect(report.ok).toBe(true);
    expect(report.issues).toEqual([]);
    expect(report.counts).toMatchObject({
      provinces: 34,
      communes: 3321,
      byKind: { phuong: 697, xa: 2611, dac_khu: 13 },
    });
  });

  it("agrees with every entry of the built-in sample", () => {
    const sample = sampleUnits();
    for (const province of sample.provinces()) {
      expect(units.province(province.code)).toEqual(province);
      for (const commune of sample.communesOf(province.code)) expect(units.commune(commune.code)).toEqual(commune);
    }
  });
});
