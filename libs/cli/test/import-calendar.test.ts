/**
 * `lienthong import calendar` as an operator runs it: the yearly schedule of
 * swapped days off and make-up Saturdays, installed for the services.
 */
import { dataDirectories, lienthong } from "./support/cli";
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadReferenceData, vietnamDate } from "@lienthong/domain";

const dataDir = dataDirectories("lienthong-import-calendar-");

/** An operator's table for 2027 (the dates are an example, not a published decision). */
const SCHEDULE_2027 = {
  version: "2027-01-10",
  overrides: [
    { date: "2027-05-03", kind: "holiday", name: "Nghỉ hoán đổi 2027", source: "example" },
    { date: "2027-05-08", kind: "working_day", name: "Làm bù cho ngày 3/5/2027", source: "example" },
    { date: "2027-09-03", kind: "holiday", name: "Nghỉ Quốc khánh tại tỉnh", provinceCode: "38" },
  ],
};

function writeJson(dir: string, data: unknown): string {
  const file = path.join(dir, "calendar-in.json");
  writeFileSync(file, JSON.stringify(data));
  return file;
}

describe("lienthong import calendar", () => {
  it("installs the overrides, counted per year, and the services' calendar follows them", async () => {
    const dir = dataDir();
    const result = await lienthong("import", "calendar", writeJson(dir, SCHEDULE_2027), "--data-dir", dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("version 2027-01-10: 3 overrides");
    expect(result.stdout).toMatch(/│ 2027\s+│\s+2 │\s+1 │\s+1 │/);
    const installed = path.join(dir, "reference", "calendar-overrides.json");
    expect(result.stdout).toContain(`Installed ${installed}. Running services pick it up on restart.`);

    const reference = loadReferenceData({ dataDir: dir });
    expect(reference.sources.calendarOverrides).toBe(installed);
    expect(reference.calendar.isWorkingDay(vietnamDate(2027, 5, 3))).toBe(false);
    expect(reference.calendar.isWorkingDay(vietnamDate(2027, 5, 8))).toBe(true);
    expect(reference.calendar.isWorkingDay(vietnamDate(2027, 9, 3), "38")).toBe(false);
  });

  it("names the entry and field of a bad override, exits 2 and installs nothing", async () => {
    const dir = dataDir();
    const broken = {
      ...SCHEDULE_2027,
      overrides: [
        SCHEDULE_2027.overrides[0],
        { ...SCHEDULE_2027.overrides[1], date: "2027-02-30" },
        { ...SCHEDULE_2027.overrides[2], kind: "half_day" },
      ],
    };
    const [human, json] = await Promise.all([
      lienthong("import", "calendar", writeJson(dir, broken), "--data-dir", dir),
      lienthong("import", "calendar", writeJson(dir, broken), "--data-dir", dir, "--json"),
    ]);
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(/^ {2}overrides\[2\]: kind: /m);
    expect(human.stdout).toContain("Nothing was installed.");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      installed: null,
      issues: [{ entry: "overrides[2]", field: "kind" }],
    });
    expect(existsSync(path.join(dir, "reference"))).toBe(false);
  });

  it("refuses a file that is not JSON with exit 2", async () => {
    const dir = dataDir();
    const file = path.join(dir, "calendar.json");
    writeFileSync(file, "{ version: 2027");
    const result = await lienthong("import", "calendar", file, "--data-dir", dir, "--json");
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).issues[0]).toMatchObject({ entry: "(file)", field: "(json)" });
  });
});
