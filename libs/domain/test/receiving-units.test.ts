import { PlatformError } from "@lienthong/errors";
import {
  RECEIVING_UNIT_CODE_PATTERN,
  ReceivingUnits,
  loadUnitsFile,
  parseReceivingUnits,
  resolveCompetentAuthority,
  sampleCatalog,
  sampleUnits,
} from "../src";
import { describeWithSharedData } from "./shared-data";

const units = sampleUnits();
const catalog = sampleCatalog();
const reference = { units, agencyKinds: catalog.agencyKinds };

describe("receiving units", () => {
  const aboveCommune = parseReceivingUnits(
    {
      provinces: {
        "38": {
          centres: [{ code: "38.TTPVHCC", name: "Trung tâm Phục vụ hành chính công tỉnh Thanh Hoá" }],
          agencies: ["provincial_police", "department_of_industry_and_trade"],
        },
      },
    },
    reference,
  );
  const receiving = new ReceivingUnits(units, aboveCommune, new Map([["38.TTPVHCC", "000.00.31.H56"]]));

  it("knows every commune's centre, with its province, printing its unit code", () => {
    expect(receiving.find("14845")).toEqual({
      kind: "commune_centre",
      code: "14845",
      provinceCode: "38",
      name: "Trung tâm Phục vụ hành chính công xã Mường Lát",
      agencyCode: "14845",
    });
  });

  it("knows the units above the commune a deployment names, printing the agency code configured", () => {
    expect(receiving.find("38.TTPVHCC")).toEqual({
      kind: "provincial_centre",
      code: "38.TTPVHCC",
      provinceCode: "38",
      name: "Trung tâm Phục vụ hành chính công tỉnh Thanh Hoá",
      agencyCode: "000.00.31.H56",
    });
    expect(receiving.find("38.SCT")).toEqual({
      kind: "provincial_agency",
      agencyKind: "department_of_industry_and_trade",
      code: "38.SCT",
      provinceCode: "38",
      name: "Sở Công Thương tỉnh Thanh Hoá",
      agencyCode: "38.SCT",
    });
    expect(receiving.find("38.STP")).toBeUndefined();
    expect(receiving.find("01.TTPVHCC")).toBeUndefined();
    expect(new ReceivingUnits(units).find("38.TTPVHCC")).toBeUndefined();
  });

  it("an agency receives under the code routing resolves it as competent authority, so one credential covers both", () => {
    for (const procedureCode of ["3.000333", "2.001827"]) {
      const authority = resolveCompetentAuthority({
        procedure: catalog.get(procedureCode),
        applicantCommuneCode: "14845",
        units,
        agencyKinds: catalog.agencyKinds,
      });
      expect(receiving.find(authority.code)).toMatchObject({ kind: "provincial_agency", provinceCode: "38" });
    }
  });

  it("refuses a centre's name the documents cannot print and a province keyed __proto__, naming each field", () => {
    // Raw JSON, as the file is read: an object literal's "__proto__" would set the prototype instead of a key.
    const data: unknown = JSON.parse(
      JSON.stringify({
        provinces: {
          "38": {
            centres: [
              { code: "38.TTPVHCC", name: "Trung tâm\u0000" },
              { code: "38.CNBS", name: "Chi nhánh \u202eBỉm Sơn" },
              { code: "38.CNST", name: "Chi nhánh Sầm Sơn" },
            ],
          },
        },
      }).replace('"38":', '"__proto__": { "centres": [] }, "38":'),
    );
    let refusal: unknown;
    try {
      parseReceivingUnits(data, reference);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(PlatformError);
    expect((refusal as PlatformError).violations).toEqual([
      { field: "provinces.38.centres.0.name", reason: "contains a control character: U+0000" },
      {
        field: "provinces.38.centres.1.name",
        reason: "contains a character the result document cannot print: U+202E",
      },
      { field: "provinces.__proto__", reason: "is not a province of the units" },
    ]);
    // Alone, the __proto__ province is refused too, where zod would have dropped it and accepted the file.
    expect(() =>
      parseReceivingUnits(JSON.parse('{ "provinces": { "__proto__": { "centres": [] } } }'), reference),
    ).toThrow("receiving units: provinces.__proto__ is not a province of the units");
  });

  it("codes every unit in the shape a submission is checked against, and the province in the first group", () => {
    for (const code of ["14845", "38.TTPVHCC", "38.CA", "38.SCT"]) {
      expect(code).toMatch(RECEIVING_UNIT_CODE_PATTERN);
      expect(units.provinceOf(code)).toBe(receiving.find(code)?.provinceCode);
    }
    for (const code of ["38", "014845", "38.ttpvhcc", "38.TTPVHCC.X", "000.00.31.H56"])
      expect(code).not.toMatch(RECEIVING_UNIT_CODE_PATTERN);
  });
});

describeWithSharedData(
  "vn-units-2026-07-25.json",
  "receiving units of the 34 provinces of the national list",
  (path) => {
    it("gives each province a centre and its police, each in its own province", () => {
      const national = loadUnitsFile(path);
      const provinces = national.provinces();
      const aboveCommune = parseReceivingUnits(
        {
          provinces: Object.fromEntries(
            provinces.map((province) => [
              province.code,
              {
                centres: [
                  { code: `${province.code}.TTPVHCC`, name: `Trung tâm Phục vụ hành chính công ${province.name}` },
                ],
                agencies: ["provincial_police"],
              },
            ]),
          ),
        },
        { units: national, agencyKinds: catalog.agencyKinds },
      );
      expect(aboveCommune).toHaveLength(68);
      const receiving = new ReceivingUnits(national, aboveCommune);
      for (const province of provinces) {
        for (const code of [`${province.code}.TTPVHCC`, `${province.code}.CA`]) {
          expect(receiving.find(code)?.provinceCode).toBe(province.code);
          expect(national.provinceOf(code)).toBe(province.code);
        }
      }
      // Thanh Hoá's 166 commune-level units each receive, in Thanh Hoá.
      const thanhHoa = national.communesOf("38").map((commune) => receiving.find(commune.code));
      expect(thanhHoa.filter((unit) => unit?.kind === "commune_centre" && unit.provinceCode === "38")).toHaveLength(
        166,
      );
    });
  },
);
