import { loadCommuneMergesFile, loadUnitsFile, parseCommuneMerges } from "../src";
import { describeWithSharedData, sharedDataFile } from "./shared-data";

const fixture = {
  data: [
    {
      level1_id: "01",
      level2s: [
        {
          level2_id: "00004",
          name: "Phường Ba Đình",
          merges: [
            { old_id: "00013", name: "Phường Quán Thánh", type: "full" },
            { old_id: "00016", name: "Phường Ngọc Hà", type: "partial" },
          ],
        },
        {
          level2_id: "00008",
          name: "Phường Ngọc Hà",
          merges: [{ old_id: "00016", name: "Phường Ngọc Hà", type: "partial" }],
        },
      ],
    },
  ],
};

describe("old commune codes", () => {
  const merges = parseCommuneMerges(fixture);

  it("resolves a wholly merged unit to its new commune", () => {
    expect(merges.resolveOldCommuneCode("00013")).toEqual({
      kind: "unique",
      commune: { code: "00004", fullName: "Phường Ba Đình", provinceCode: "01" },
    });
  });

  it("reports a split unit's candidates instead of guessing", () => {
    const result = merges.resolveOldCommuneCode("00016");
    expect(result.kind).toBe("ambiguous");
    expect(result.kind === "ambiguous" && result.candidates.map((c) => c.code)).toEqual(["00004", "00008"]);
  });

  it("says unknown for a code it has never seen", () => {
    expect(merges.resolveOldCommuneCode("12345")).toEqual({ kind: "unknown" });
  });

  it("names the offending entry of a malformed file", () => {
    const broken = structuredClone(fixture);
    broken.data[0]!.level2s[1]!.merges[0]!.type = "some";
    expect(() => parseCommuneMerges(broken)).toThrow(
      'merges data[0].level2s[1].merges[0] (00008): type must be "full" or "partial"',
    );
    expect(() => parseCommuneMerges([])).toThrow(/\(root\)/);
  });
});

describeWithSharedData("vn-units-2025-merges.json", "national merges file", (path) => {
  const merges = loadCommuneMergesFile(path);

  it("covers 3,321 new communes; old units split between communes are ambiguous", () => {
    expect(merges.counts()).toEqual({ oldUnits: 10052, newCommunes: 3321, splitOldUnits: 460 });
    expect(merges.resolveOldCommuneCode("00013")).toMatchObject({ kind: "unique", commune: { code: "00004" } });
    const split = merges.resolveOldCommuneCode("00019");
    expect(split.kind === "ambiguous" && split.candidates.map((c) => c.code)).toEqual([
      "00004",
      "00070",
      "00190",
      "00226",
    ]);
    // A pre-2025 island district without communes became a special zone.
    expect(merges.resolveOldCommuneCode("318")).toMatchObject({
      kind: "unique",
      commune: { code: "11948", fullName: "Đặc khu Bạch Long Vĩ" },
    });
  });

  it("agrees with the units list on 3,319 of 3,321 codes", () => {
    const units = loadUnitsFile(sharedDataFile("vn-units-2026-07-25.json"));
    const check = merges.crossCheck(units);
    expect(check.missingFromUnits).toHaveLength(2);
    expect(check.missingFromMerges).toHaveLength(2);
  });
});
