import { ProcedureCatalog, sampleCatalog, SAMPLE_PROCEDURES, vietnamDate, type Procedure } from "../src";

const marriage = SAMPLE_PROCEDURES.find((p) => p.code === "1.000894")!;

describe("procedure catalog", () => {
  it("holds the Part A procedures with both levels", () => {
    const catalog = sampleCatalog();
    for (const code of ["1.000894", "1.001193", "1.000656", "2.000884", "1.001612", "3.000333"])
      expect(catalog.find(code)).toBeDefined();
    expect(catalog.find("3.000333")).toMatchObject({
      level: "province",
      agencyKind: "provincial_police",
      processingTime: { value: 10, unit: "working_days" },
    });
    expect(catalog.find("2.000884")?.processingTime).toEqual({ value: 1, unit: "same_day", cutoffHour: 15 });
    expect(catalog.find("9.999999")).toBeUndefined();
  });

  it("finds the version valid at a date", () => {
    const v2: Procedure = {
      ...marriage,
      version: 2,
      validFrom: "2026-03-01",
      processingTime: { value: 2, unit: "working_days" },
    };
    const catalog = new ProcedureCatalog([v2, marriage]);
    expect(catalog.find("1.000894", vietnamDate(2026, 2, 28, 23, 59))?.version).toBe(1);
    expect(catalog.find("1.000894", vietnamDate(2026, 3, 1, 0, 0))?.version).toBe(2);
    expect(catalog.find("1.000894", vietnamDate(2025, 6, 30))).toBeUndefined();
    expect(catalog.version("1.000894", 1)).toBe(marriage);
    expect(catalog.all().map((p) => p.version)).toEqual([1, 2]);
    expect(catalog.current(vietnamDate(2026, 5, 1)).map((p) => p.version)).toEqual([2]);
  });

  it("resolves a provincial copy code to the national procedure", () => {
    expect(sampleCatalog().find("1.001612.000.00.00.H48")?.code).toBe("1.001612");
  });

  it("throws NOT_FOUND from get and refuses duplicate versions", () => {
    expect(() => sampleCatalog().get("9.999999", vietnamDate(2026, 1, 5))).toThrow(
      expect.objectContaining({ code: "NOT_FOUND" }),
    );
    expect(() => new ProcedureCatalog([marriage, { ...marriage }])).toThrow(/1.000894 v1: duplicate/);
    expect(() => new ProcedureCatalog([{ ...marriage, code: "1000894" }])).toThrow(
      /code: procedure "1000894": must look like 1.000894/,
    );
  });
});
