import { writeFile } from "node:fs/promises";
import { ConfigError } from "@lienthong/service-host";
import { InProcessBroker } from "@lienthong/messaging";
import { startRefusal, tempDir, type TempDir } from "@lienthong/testing";
import { createRoutingService } from "../src/service";
import { HOUSEHOLD_BUSINESS, MUONG_LAT, at, startRouting, type RoutingHarness } from "./support/routing-harness";

const CONSTRUCTION_PERMIT = "1.013225"; // 15 calendar days (sample catalog)

/** Thanh Hóa's sessions 07:30–11:30 and 13:00–17:00, and a provincial day off on Tue 7 Oct 2025. */
const THANH_HOA = {
  provinces: {
    "38": {
      workingHours: [
        { start: "07:30", end: "11:30" },
        { start: "13:00", end: "17:00" },
      ],
      overrides: [{ date: "2025-10-07", kind: "holiday", name: "Nghỉ do bão", source: "Công điện của UBND tỉnh" }],
    },
  },
};

describe("routing: the calendar a deployment configures (PROVINCE_CALENDARS_FILE)", () => {
  let files: TempDir;

  beforeAll(async () => {
    files = await tempDir("routing-calendars");
  });

  afterAll(async () => {
    await files.remove();
  });

  describe("with Thanh Hóa's own hours and day off", () => {
    let routing: RoutingHarness;

    beforeAll(async () => {
      await writeFile(files.file("thanh-hoa.json"), JSON.stringify(THANH_HOA));
      routing = await startRouting({ PROVINCE_CALENDARS_FILE: files.file("thanh-hoa.json") }, at(6, 8));
    });

    afterAll(async () => {
      await routing.stop();
    });

    it("counts the appointment in the province's sessions, skipping its own day off", async () => {
      const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
      const accepted = await routing.act(dossierId, "accept");
      // 3 working days (24 h) from Mon 6 Oct 08:00: Mon 7.5 h, Tue 7 off, Wed 8 h, Thu 8 h, Fri 0.5 h → Fri 10, 08:00
      // (the built-in calendar gives Thu 9, 08:00).
      expect(accepted.body.assignment.appointmentAt).toBe(at(10, 8).toISOString());
    });

    it("moves a calendar-day procedure by the calendar days it waited for a supplement", async () => {
      await routing.setClock(at(6, 8));
      const { dossierId } = await routing.submit({ procedureCode: CONSTRUCTION_PERMIT, landCommuneCode: MUONG_LAT });
      const accepted = await routing.act(dossierId, "accept");
      // 15 days from Mon 6 Oct: Tue 21 Oct, the end of its afternoon session.
      expect(accepted.body.assignment.appointmentAt).toBe(at(21, 17).toISOString());
      await routing.setClock(at(10, 9));
      await routing.act(dossierId, "request_supplement", { missingItems: ["Bản vẽ thiết kế xây dựng"] });
      await routing.setClock(at(13, 9));
      const resumed = await routing.act(dossierId, "resume");
      // Fri 10 → Mon 13 is 3 calendar days: Fri 24 Oct. Measured in working time (8 h) it would be Wed 22.
      expect(resumed.body.assignment.appointmentAt).toBe(at(24, 17).toISOString());
      expect(await routing.waitForEvent(dossierId, "dossierResumed")).toMatchObject({
        appointmentAt: at(24, 17).toISOString(),
        waitedWorkingHours: 8,
      });
    });
  });

  describe("refuses to start on a wrong file, naming the variable and the field", () => {
    const startWith = async (file: string): Promise<ConfigError> => {
      const refusal = await startRefusal(
        (env) =>
          createRoutingService({
            env,
            broker: new InProcessBroker({ partitions: 1 }),
            ports: { http: 0, grpc: 0, ops: 0 },
          }),
        { PROVINCE_CALENDARS_FILE: file },
      );
      if (refusal instanceof ConfigError) return refusal;
      throw refusal;
    };
    const write = async (name: string, content: unknown) => {
      await writeFile(files.file(name), typeof content === "string" ? content : JSON.stringify(content));
      return files.file(name);
    };

    it("a session that ends before it starts, a bad date, an unknown province", async () => {
      const error = await startWith(
        await write("wrong.json", {
          provinces: {
            "38": {
              workingHours: [{ start: "13:30", end: "11:30" }],
              overrides: [{ date: "2025-02-30", kind: "holiday", name: "x" }],
            },
            "99": {},
          },
        }),
      );
      expect(error.issues).toEqual([
        { variable: "PROVINCE_CALENDARS_FILE", reason: "provinces.38.workingHours[0]: end must be after start" },
        {
          variable: "PROVINCE_CALENDARS_FILE",
          reason: 'provinces.38.overrides[0].date: "2025-02-30" is not a calendar date',
        },
        { variable: "PROVINCE_CALENDARS_FILE", reason: "provinces.99: is not a province of the units" },
      ]);
      expect(error.message).toMatch(
        /^Invalid configuration: PROVINCE_CALENDARS_FILE: provinces\.38\.workingHours\[0\]/,
      );
    });

    it("a field of the wrong shape, text that is not JSON, a file that is not there", async () => {
      expect(
        (
          await startWith(
            await write("kind.json", {
              provinces: { "38": { overrides: [{ date: "2025-10-07", kind: "off", name: "x" }] } },
            }),
          )
        ).issues,
      ).toEqual([
        expect.objectContaining({
          variable: "PROVINCE_CALENDARS_FILE",
          reason: expect.stringMatching(/^provinces\.38\.overrides\[0\]\.kind: /),
        }),
      ]);
      expect((await startWith(await write("text.json", "provinces: 38"))).issues).toEqual([
        expect.objectContaining({
          variable: "PROVINCE_CALENDARS_FILE",
          reason: expect.stringMatching(/^must be JSON/),
        }),
      ]);
      expect((await startWith(files.file("absent.json"))).issues).toEqual([
        { variable: "PROVINCE_CALENDARS_FILE", reason: "cannot read the file it names (ENOENT)" },
      ]);
    });
  });
});
