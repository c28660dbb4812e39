/**
 * `lienthong import catalog` as an operator runs it: a spreadsheet saved as
 * CSV (or JSON) checked row by row, installed as JSON for the services.
 */
import { dataDirectories, lienthong } from "./support/cli";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadReferenceData, parseCatalog, vietnamDate } from "@lienthong/domain";

const dataDir = dataDirectories("lienthong-import-catalog-");

const HEADER =
  "code,version,validFrom,name,field,level,agencyKind,processingValue,processingUnit,cutoffHour,fee,requiredDocuments,formFields,allowsSuspension,allowsExtension";
const MARRIAGE = `1.000894,1,2025-07-01,Thủ tục đăng ký kết hôn,Hộ tịch,commune,commune_people_committee,1,same_day,15,0,"Tờ khai đăng ký kết hôn | Giấy xác nhận tình trạng hôn nhân","[{""name"":""husbandFullName"",""label"":""Bên nam"",""required"":true}]",false,true`;
const CRIMINAL_RECORD =
  "2.000488,1,2025-07-01,Cấp Phiếu lý lịch tư pháp,Lý lịch tư pháp,province,provincial_police,10,working_days,,200000,Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp,,false,true";
const BIRTH =
  "1.001193,1,2025-07-01,Thủ tục đăng ký khai sinh,Hộ tịch,commune,commune_people_committee,1,same_day,15,0,Tờ khai đăng ký khai sinh,,false,false";

function csvFile(dir: string, lines: string[]): string {
  const file = path.join(dir, "catalog.csv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("lienthong import catalog", () => {
  it("names the row, the procedure and the field of each bad row, exits 2 and installs nothing", async () => {
    const dir = dataDir();
    const negativeFee = CRIMINAL_RECORD.replace(",200000,", ",-5,");
    const badUnit = BIRTH.replace(",same_day,", ",weeks,");
    const file = csvFile(dir, [HEADER, MARRIAGE, negativeFee, badUnit]);
    const [human, json] = await Promise.all([
      lienthong("import", "catalog", file, "--data-dir", dir),
      lienthong("import", "catalog", file, "--data-dir", dir, "--json"),
    ]);
    expect(human.code).toBe(2);
    expect(human.stdout).toContain("INVALID: 2 problems");
    expect(human.stdout).toMatch(/^ {2}row 3 \(2\.000488\): fee: /m);
    expect(human.stdout).toMatch(/^ {2}row 4 \(1\.001193\): processingTime\.unit: /m);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).issues).toEqual([
      { entry: "row 3 (2.000488)", field: "fee", reason: expect.stringContaining('"-5" is not an amount') },
      { entry: "row 4 (1.001193)", field: "processingTime.unit", reason: expect.any(String) },
    ]);
    expect(existsSync(path.join(dir, "reference"))).toBe(false);
  });

  it("refuses a CSV without the required columns, naming them", async () => {
    const dir = dataDir();
    const file = csvFile(dir, ["code,name", "1.000894,Đăng ký kết hôn"]);
    const result = await lienthong("import", "catalog", file, "--data-dir", dir, "--json");
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).issues).toContainEqual({
      entry: "row 1 (header)",
      field: "feeInPerson",
      reason: "column is missing (a file of the first format has fee)",
    });
  });

  it("installs a valid CSV as JSON the services load, with procedures counted per level and field", async () => {
    const dir = dataDir();
    const file = csvFile(dir, [HEADER, MARRIAGE, CRIMINAL_RECORD, BIRTH]);
    const result = await lienthong("import", "catalog", file, "--data-dir", dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("3 procedures (3 versions)");
    expect(result.stdout).toMatch(/│ Hộ tịch\s+│\s+2 │\s+0 │\s+2 │/);
    expect(result.stdout).toMatch(/│ Lý lịch tư pháp\s+│\s+0 │\s+1 │\s+1 │/);
    expect(result.stdout).toMatch(/│ total\s+│\s+2 │\s+1 │\s+3 │/);
    const installed = path.join(dir, "reference", "catalog.json");
    expect(result.stdout).toContain(`Installed ${installed}. Running services pick it up on restart.`);

    const json = JSON.parse(readFileSync(installed, "utf8"));
    expect(
      parseCatalog(json)
        .all()
        .map((p) => p.code),
    ).toEqual(["1.000894", "1.001193", "2.000488"]);
    const reference = loadReferenceData({ dataDir: dir });
    expect(reference.sources.catalog).toBe(installed);
    expect(reference.catalog.all()).toHaveLength(3);
    expect(reference.catalog.find("1.000894", vietnamDate(2026, 1, 5))).toMatchObject({
      processingTime: { value: 1, unit: "same_day", cutoffHour: 15 },
      requiredDocuments: ["Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân"],
      formFields: [{ name: "husbandFullName", label: "Bên nam", required: true }],
    });
  });

  it("reads a JSON catalog too, and --dry-run installs nothing", async () => {
    const dir = dataDir();
    const file = path.join(dir, "catalog-in.json");
    writeFileSync(
      file,
      JSON.stringify({
        procedures: [
          {
            code: "1.001193",
            version: 1,
            validFrom: "2025-07-01",
            name: "Thủ tục đăng ký khai sinh",
            field: "Hộ tịch",
            level: "commune",
            agencyKind: "commune_people_committee",
            processingTime: { value: 1, unit: "same_day", cutoffHour: 15 },
            fee: 0,
            requiredDocuments: ["Tờ khai đăng ký khai sinh"],
            formFields: [],
            allowsSuspension: false,
            allowsExtension: false,
          },
        ],
      }),
    );
    const result = await lienthong("import", "catalog", file, "--data-dir", dir, "--dry-run", "--json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      dryRun: true,
      installed: null,
      summary: {
        procedures: 1,
        byLevel: { commune: 1, province: 0 },
        byField: { "Hộ tịch": { commune: 1, province: 0 } },
      },
    });
    expect(existsSync(path.join(dir, "reference"))).toBe(false);
  });
});
