import { PlatformError } from "@lienthong/errors";
import {
  DOSSIER_CODE_PATTERN,
  dossierCodePrefix,
  formatDossierCode,
  isOfficialAgencyCode,
  parseAgencyCodes,
  parseDossierCode,
  sampleUnits,
  vietnamDate,
} from "../src";

const units = sampleUnits();
/** As intake asks: the first group names a commune (14845, 14845.CA) or a province (38.CA). */
const isUnitCode = (code: string) => units.provinceOf(code.split(".")[0] ?? "") !== undefined;

function violationsOf(data: unknown): readonly { field: string; reason: string }[] {
  try {
    parseAgencyCodes(data, isUnitCode);
  } catch (error) {
    if (error instanceof PlatformError && error.code === "INVALID_ARGUMENT") return error.violations;
    throw error;
  }
  throw new Error("the agency codes were accepted");
}

describe("agency codes (Decision 20/2020/QĐ-TTg)", () => {
  it.each(["000.00.06.H56", "000.17.22.H56", "000.00.00.G01", `${"A".repeat(31)}.B12`])(
    "accepts the official code %j",
    (code) => {
      expect(isOfficialAgencyCode(code)).toBe(true);
    },
  );

  it.each(["14845", "H56", "000.00.06.h56", "000..06.H56", ".000.H56", "000.00.06.H56.", "000 00.H56", "000-00.H56"])(
    "refuses %j",
    (code) => {
      expect(isOfficialAgencyCode(code)).toBe(false);
    },
  );

  it("refuses a code of 36 characters", () => {
    expect(isOfficialAgencyCode(`${"A".repeat(32)}.B12`)).toBe(false);
  });

  it("maps a commune and a provincial agency's stand-in to their official codes; others keep their unit code", () => {
    const codes = parseAgencyCodes(
      { agencyCodes: { "14845": "000.20.38.H56", "38.CA": "000.00.05.H56", "14845.CA": "000.21.38.H56" } },
      isUnitCode,
    );
    expect(dossierCodePrefix(codes, "14845")).toBe("000.20.38.H56");
    expect(dossierCodePrefix(codes, "38.CA")).toBe("000.00.05.H56");
    expect(dossierCodePrefix(codes, "14845.CA")).toBe("000.21.38.H56");
    expect(dossierCodePrefix(codes, "14848")).toBe("14848");
  });

  it("makes dossier codes that match the acceptance pattern and parse back to the agency code", () => {
    const longest = `${"A".repeat(31)}.B12`;
    for (const agency of ["000.20.38.H56", longest]) {
      const code = formatDossierCode(agency, vietnamDate(2026, 7, 1), 9999);
      expect(code).toMatch(/^[0-9A-Z.]{1,35}-\d{6}-\d{4}$/);
      expect(code).toMatch(DOSSIER_CODE_PATTERN);
      expect(parseDossierCode(code)).toEqual({ agencyCode: agency, date: "260701", sequence: 9999 });
    }
  });

  it("names the field of each code not in the Decision's format", () => {
    expect(
      violationsOf({ agencyCodes: { "14845": "000.20.38.h56", "14848": "14846", "14854": "000.00.05.H56" } }),
    ).toEqual([
      { field: "agencyCodes.14845", reason: expect.stringMatching(/^must be an agency code of Decision 20\/2020/) },
      { field: "agencyCodes.14848", reason: expect.stringMatching(/^must be an agency code of Decision 20\/2020/) },
    ]);
  });

  it("names an unknown unit, a stand-in given as the official code, and a code given to two units", () => {
    expect(
      violationsOf({
        agencyCodes: {
          "14854": "000.00.05.H56",
          "14857": "000.00.05.H56",
          "99999": "000.00.09.H99",
          "38.CA": "38.STP",
        },
      }),
    ).toEqual([
      { field: "agencyCodes.14857", reason: "is the same code as agencyCodes.14854" },
      { field: "agencyCodes.99999", reason: "is not a commune or provincial agency of the units" },
      { field: "agencyCodes.38.CA", reason: "reads as a unit code of the units, not an official code" },
    ]);
  });

  it("names a key that is no unit code and a document of the wrong shape", () => {
    expect(violationsOf({ agencyCodes: { "mường lát": "000.20.38.H56" } })).toEqual([
      { field: "agencyCodes.mường lát", reason: expect.stringMatching(/^must be a unit code/) },
    ]);
    expect(violationsOf({ codes: {} })).toEqual([
      expect.objectContaining({ field: "agencyCodes" }),
      expect.objectContaining({ field: "(root)" }),
    ]);
  });
});
