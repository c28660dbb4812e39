import { DOSSIER_CODE_PATTERN, dossierSequenceKey, formatDossierCode, parseDossierCode, vietnamDate } from "../src";

describe("dossier code", () => {
  it("formats the documented example", () => {
    expect(formatDossierCode("000.00.06.H56", vietnamDate(2023, 10, 27, 9, 32), 361)).toBe("000.00.06.H56-231027-0361");
  });

  it("takes the date in Vietnam time, not UTC", () => {
    // 17:30 UTC on 31 Dec is already 00:30 on 1 Jan in Vietnam.
    expect(formatDossierCode("000.00.00.H56", new Date("2025-12-31T17:30:00Z"), 1)).toBe("000.00.00.H56-260101-0001");
  });

  it.each([0, 10000, 1.5, -1, Number.NaN])("refuses sequence %p", (sequence) => {
    expect(() => formatDossierCode("000.00.00.H56", new Date(), sequence)).toThrow(/sequence/);
  });

  it.each(["", "abc", "000..00", "000.00.00.H56.", "A".repeat(36), "000-00"])("refuses agency code %j", (agency) => {
    expect(() => formatDossierCode(agency, new Date(), 1)).toThrow(/receivingAgencyCode/);
  });

  it("accepts the longest agency code and still matches the pattern", () => {
    const agency = "A".repeat(35);
    const code = formatDossierCode(agency, vietnamDate(2026, 7, 1), 9999);
    expect(code).toMatch(DOSSIER_CODE_PATTERN);
    expect(parseDossierCode(code)).toEqual({ agencyCode: agency, date: "260701", sequence: 9999 });
  });

  it("parses and round-trips", () => {
    expect(parseDossierCode("000.00.06.H56-231027-0361")).toEqual({
      agencyCode: "000.00.06.H56",
      date: "231027",
      sequence: 361,
    });
  });

  it.each([
    "000.00.06.H56-231027-361",
    "000.00.06.h56-231027-0361",
    "000.00.06.H56-231327-0361",
    "000.00.06.H56-231027-0000",
    "-231027-0001",
    "x",
  ])("rejects malformed code %j", (code) => {
    expect(parseDossierCode(code)).toBeUndefined();
  });

  it("keys the daily counter by receiving unit and Vietnam day", () => {
    const morning = vietnamDate(2026, 3, 2, 7, 0);
    const evening = vietnamDate(2026, 3, 2, 23, 59);
    expect(dossierSequenceKey("000.00.00.H56", morning)).toBe("000.00.00.H56:260302");
    expect(dossierSequenceKey("000.00.00.H56", evening)).toBe(dossierSequenceKey("000.00.00.H56", morning));
    expect(dossierSequenceKey("000.00.00.H56", vietnamDate(2026, 3, 3))).toBe("000.00.00.H56:260303");
    expect(dossierSequenceKey("000.00.00.H23", morning)).not.toBe(dossierSequenceKey("000.00.00.H56", morning));
  });
});
