import { resolveCompetentAuthority, sampleCatalog, sampleUnits } from "../src";

const units = sampleUnits();
const catalog = sampleCatalog();

describe("competent authority", () => {
  it("sends a commune-level procedure to the applicant's commune People's Committee", () => {
    const agency = resolveCompetentAuthority({
      procedure: catalog.get("1.000894"),
      applicantCommuneCode: "14845",
      units,
      agencyKinds: catalog.agencyKinds,
    });
    expect(agency).toEqual({
      code: "14845",
      name: "Ủy ban nhân dân xã Mường Lát",
      level: "commune",
      communeCode: "14845",
      provinceCode: "38",
    });
  });

  it("uses real commune agency codes once the operator provides them", () => {
    const agency = resolveCompetentAuthority({
      procedure: catalog.get("1.001193"),
      applicantCommuneCode: "00004",
      units,
      agencyKinds: catalog.agencyKinds,
      communeAgencyCodes: { "00004": "000.01.01.H26" },
    });
    expect(agency).toMatchObject({ code: "000.01.01.H26", name: "Ủy ban nhân dân phường Ba Đình", provinceCode: "01" });
    expect(
      resolveCompetentAuthority({
        procedure: catalog.get("1.001193"),
        applicantCommuneCode: "06994",
        units,
        agencyKinds: catalog.agencyKinds,
      }).name,
    ).toBe("Ủy ban nhân dân đặc khu Vân Đồn");
  });

  it("sends a province-level procedure to the agency of its kind in the commune's province", () => {
    const procedure = catalog.get("3.000333");
    expect(
      resolveCompetentAuthority({ procedure, applicantCommuneCode: "14845", units, agencyKinds: catalog.agencyKinds }),
    ).toEqual({
      code: "38.CA",
      name: "Công an tỉnh Thanh Hoá",
      level: "province",
      provinceCode: "38",
    });
    expect(
      resolveCompetentAuthority({ procedure, applicantCommuneCode: "00070", units, agencyKinds: catalog.agencyKinds })
        .name,
    ).toBe("Công an thành phố Hà Nội");
    const configured = resolveCompetentAuthority({
      procedure,
      applicantCommuneCode: "11953",
      units,
      agencyKinds: catalog.agencyKinds,
      provinceAgencies: [
        { provinceCode: "33", agencyKind: "provincial_police", code: "000.00.00.H31", name: "Công an tỉnh Hưng Yên" },
      ],
    });
    expect(configured).toEqual({
      code: "000.00.00.H31",
      name: "Công an tỉnh Hưng Yên",
      level: "province",
      provinceCode: "33",
    });
  });

  it("sends residence procedures to the commune police", () => {
    expect(
      resolveCompetentAuthority({
        procedure: catalog.get("1.004222"),
        applicantCommuneCode: "14845",
        units,
        agencyKinds: catalog.agencyKinds,
      }),
    ).toEqual({
      code: "14845.CA",
      name: "Công an xã Mường Lát",
      level: "commune",
      communeCode: "14845",
      provinceCode: "38",
    });
  });

  it("refuses an unknown commune clearly", () => {
    expect(() =>
      resolveCompetentAuthority({
        procedure: catalog.get("1.000894"),
        applicantCommuneCode: "99999",
        units,
        agencyKinds: catalog.agencyKinds,
      }),
    ).toThrow(
      expect.objectContaining({
        code: "NOT_FOUND",
        message: 'commune "99999" is not in the administrative units list',
      }),
    );
  });

  it("refuses a procedure whose level and agency kind disagree", () => {
    const broken = { ...catalog.get("1.000894"), agencyKind: "provincial_police" as const };
    expect(() =>
      resolveCompetentAuthority({
        procedure: broken,
        applicantCommuneCode: "14845",
        units,
        agencyKinds: catalog.agencyKinds,
      }),
    ).toThrow(/level "commune" does not match agency kind "provincial_police"/);
  });
});
