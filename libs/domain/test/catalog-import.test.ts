import { PlatformError } from "@lienthong/errors";
import { parseCatalog, parseCatalogCsv, sampleCatalog, SAMPLE_PROCEDURES, vietnamDate } from "../src";

const HEADER =
  "code,version,validFrom,name,field,level,agencyKind,processingValue,processingUnit,cutoffHour,fee,requiredDocuments,formFields,allowsSuspension,allowsExtension";

function violationsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof PlatformError && error.code === "INVALID_ARGUMENT")
      return error.violations.map((v) => `${v.field}: ${v.reason}`);
    throw error;
  }
  throw new Error("expected INVALID_ARGUMENT");
}

describe("built-in catalog", () => {
  it("has at least 25 real procedures of both levels, each passing the import schema", () => {
    const current = sampleCatalog().current(vietnamDate(2026, 1, 5));
    expect(current.length).toBeGreaterThanOrEqual(25);
    expect(new Set(current.map((p) => p.level))).toEqual(new Set(["commune", "province"]));
    expect(parseCatalog(JSON.parse(JSON.stringify(SAMPLE_PROCEDURES))).all()).toEqual(sampleCatalog().all());
  });
});

describe("catalog import", () => {
  it("reads a CSV with quoted cells, lists and a JSON form schema", () => {
    const csv = [
      HEADER,
      `1.000894,2,2026-03-01,Thủ tục đăng ký kết hôn,Hộ tịch,commune,commune_people_committee,1,same_day,15,0,"Tờ khai đăng ký kết hôn | Giấy xác nhận tình trạng hôn nhân","[{""name"":""husbandFullName"",""label"":""Bên nam"",""required"":true}]",false,true`,
    ].join("\n");
    const catalog = parseCatalogCsv(csv);
    expect(catalog.find("1.000894", vietnamDate(2026, 3, 2))).toMatchObject({
      version: 2,
      processingTime: { value: 1, unit: "same_day", cutoffHour: 15 },
      requiredDocuments: ["Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân"],
      formFields: [{ name: "husbandFullName", label: "Bên nam", required: true }],
      allowsSuspension: false,
    });
  });

  it("names the CSV row, the code and the field of every problem", () => {
    const csv = [
      HEADER,
      "1.001193,1,2025-07-01,Đăng ký khai sinh,Hộ tịch,commune,commune_people_committee,1,same_day,15,0,Tờ khai,,false,true",
      "1.00119,1,2025-07-01,Sai mã,Hộ tịch,commune,commune_people_committee,1,same_day,,0,Tờ khai,,false,true",
      "1.001612,1,2025-02-30,Hộ kinh doanh,HKD,commune,commune_people_committee,3,working_days,15,-5,Giấy đề nghị,[oops,maybe,true",
      "3.000333,1,2025-07-01,Lý lịch tư pháp,LLTP,commune,provincial_police,10,weeks,,200000,Tờ khai,,true,true",
    ].join("\n");
    expect(violationsOf(() => parseCatalogCsv(csv))).toEqual([
      "row 3 (1.00119) code: must look like 1.000894",
      "row 4 (1.001612) validFrom: must be a YYYY-MM-DD date",
      "row 4 (1.001612) processingTime.cutoffHour: only same_day procedures have a cut-off hour",
      'row 4 (1.001612) fee: "-5" is not an amount the platform reads: write e.g. Phí: 0 Đồng, Lệ phí: 50.000 Đồng or 50000 (whole đồng)',
      "row 4 (1.001612) formFields: Invalid input: expected array, received string",
      "row 4 (1.001612) allowsSuspension: Invalid input: expected boolean, received string",
      expect.stringMatching(/^row 5 \(3\.000333\) processingTime\.unit: /),
      "row 5 (3.000333) agencyKind: agency kind does not sit at this level",
    ]);
  });

  it("refuses a procedure name the result notice cannot print, naming the code point", () => {
    const csv = [
      HEADER,
      "1.001193,1,2025-07-01,Đăng ký khai sinh ✅,Hộ tịch,commune,commune_people_committee,1,same_day,15,0,Tờ khai,,false,true",
    ].join("\n");
    expect(violationsOf(() => parseCatalogCsv(csv))).toEqual([
      "row 2 (1.001193) name: contains a character the result document cannot print: U+2705",
    ]);
  });

  it("refuses a CSV without the required columns", () => {
    expect(violationsOf(() => parseCatalogCsv("code,name\n1.000894,x"))).toEqual(
      expect.arrayContaining([
        "competentAgency: column is missing (or agencyKind)",
        "feeInPerson: column is missing (a file of the first format has fee)",
      ]),
    );
  });

  it("names the index and field in JSON", () => {
    const broken = JSON.parse(JSON.stringify(SAMPLE_PROCEDURES.slice(0, 2)));
    broken[1].formFields[0].pattern = "(";
    broken[1].level = "province";
    expect(violationsOf(() => parseCatalog({ procedures: broken }))).toEqual([
      "procedures[1] (1.000894) formFields[0].pattern: must be a valid regular expression",
      "procedures[1] (1.000894) agencyKind: agency kind does not sit at this level",
    ]);
    expect(violationsOf(() => parseCatalog("nope"))).toEqual([
      "(root): must be an array of procedures or { agencyKinds?: [...], procedures: [...] } and nothing else",
    ]);
  });
});
