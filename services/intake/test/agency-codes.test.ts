import { writeFile } from "node:fs/promises";
import { intake } from "@lienthong/contracts";
import { dossierDatePart } from "@lienthong/domain";
import { InProcessBroker } from "@lienthong/messaging";
import { ConfigError } from "@lienthong/service-host";
import { startRefusal, tempDir, type TempDir } from "@lienthong/testing";
import { createIntakeService } from "../src";
import { applications } from "../src/store/collections";
import {
  MUONG_LAT,
  TAM_CHUNG,
  applicantData,
  call,
  clients,
  intakeClient,
  marriageForm,
  startIntake,
  submitValid,
  unaryCall,
  withApiKey,
  type IntakeHarness,
} from "./support/intake-harness";

/** The acceptance pattern of issue 12 and DOMAIN.md §5, written out rather than imported. */
const ACCEPTANCE = /^[0-9A-Z.]{1,35}-\d{6}-\d{4}$/;
/** An official code in the Decision 20/2020/QĐ-TTg shape, for Mường Lát in these tests. */
const MUONG_LAT_AGENCY = "000.20.38.H56";

describe("intake: official agency codes in dossier codes (AGENCY_CODES_FILE)", () => {
  let files: TempDir;

  beforeAll(async () => {
    files = await tempDir("intake-agency-codes");
    await writeFile(files.file("thanh-hoa.json"), JSON.stringify({ agencyCodes: { [MUONG_LAT]: MUONG_LAT_AGENCY } }));
  });

  afterAll(async () => {
    await files.remove();
  });

  describe("with Mường Lát's agency code configured", () => {
    let harness: IntakeHarness;

    beforeAll(async () => {
      harness = await startIntake({ env: { AGENCY_CODES_FILE: files.file("thanh-hoa.json") } });
    });

    afterAll(async () => {
      await harness?.stop();
    });

    it("gives Mường Lát's dossiers codes that start with its agency code, over REST and gRPC, consecutively", async () => {
      const today = dossierDatePart(new Date());
      const first = await submitValid(harness);
      const client = intakeClient(harness);
      let overGrpc: string;
      try {
        const response = await unaryCall(
          client.submitApplication.bind(client),
          intake.SubmitApplicationRequest.fromPartial({
            procedureCode: "1.000894",
            receivingUnitCode: MUONG_LAT,
            applicant: {
              fullName: applicantData.fullName,
              citizenId: applicantData.citizenId,
              phone: applicantData.phone,
            },
            formFields: { ...marriageForm },
          }),
          withApiKey(),
        );
        overGrpc = response.application?.dossierCode ?? "";
      } finally {
        client.close();
      }
      for (const code of [first.dossierCode, overGrpc]) {
        expect(code).toMatch(ACCEPTANCE);
        expect(code.startsWith(`${MUONG_LAT_AGENCY}-`)).toBe(true);
      }
      // Checked after the submissions: a run straddling midnight would legitimately restart at 0001.
      if (dossierDatePart(new Date()) === today) {
        expect([first.dossierCode, overGrpc]).toEqual([
          `${MUONG_LAT_AGENCY}-${today}-0001`,
          `${MUONG_LAT_AGENCY}-${today}-0002`,
        ]);
      }
      // The receiving unit is still the commune: the agency code is what is printed, not who received it.
      expect(first.receivingUnitCode).toBe(MUONG_LAT);
    });

    it("keeps the unit code for a unit without an agency code", async () => {
      const atTamChung = await submitValid(harness, { receivingUnitCode: TAM_CHUNG }, clients.tamChung.key);
      expect(atTamChung.dossierCode).toMatch(ACCEPTANCE);
      expect(atTamChung.dossierCode.startsWith(`${TAM_CHUNG}-`)).toBe(true);
    });

    it("finds the dossier by its new code: the unit's own read and the public status lookup", async () => {
      const application = await submitValid(harness);
      const read = await call(harness.running.httpUrl, "GET", `/v1/applications/${application.dossierCode}`);
      expect(read.status).toBe(200);
      expect((read.body as { application: { dossierId: string } }).application.dossierId).toBe(application.dossierId);
      const lookup = await call(
        harness.running.httpUrl,
        "GET",
        `/v1/public/status/${encodeURIComponent(application.dossierCode.toLowerCase())}?factor=${applicantData.phone.slice(-4)}`,
        { apiKey: null },
      );
      expect(lookup.status).toBe(200);
      expect(lookup.body).toMatchObject({ dossierCode: application.dossierCode, status: 1 });
    });
  });

  describe("a unit whose code changes during the day, on two instances sharing one store", () => {
    let before: IntakeHarness;
    let after: IntakeHarness;

    beforeAll(async () => {
      before = await startIntake();
      after = await startIntake({
        sharedDataDir: before.dataDir,
        env: { AGENCY_CODES_FILE: files.file("thanh-hoa.json") },
      });
    });

    afterAll(async () => {
      await after?.stop();
      await before?.stop();
    });

    it("numbers each printed prefix on its own: consecutive from 0001, never a code twice", async () => {
      const today = dossierDatePart(new Date());
      const codes: string[] = [];
      // Alternating, as during a rolling restart onto the new configuration.
      for (const harness of [before, after, before, after, after, before]) {
        codes.push((await submitValid(harness)).dossierCode);
      }
      if (dossierDatePart(new Date()) !== today) return; // Straddled midnight: both prefixes restarted.
      expect(codes).toEqual([
        `${MUONG_LAT}-${today}-0001`,
        `${MUONG_LAT_AGENCY}-${today}-0001`,
        `${MUONG_LAT}-${today}-0002`,
        `${MUONG_LAT_AGENCY}-${today}-0002`,
        `${MUONG_LAT_AGENCY}-${today}-0003`,
        `${MUONG_LAT}-${today}-0003`,
      ]);
      expect(await before.runtime.store.count(applications)).toBe(codes.length);
    });
  });

  describe("refuses to start on a wrong file, naming the variable and the field", () => {
    const startWith = async (file: string): Promise<ConfigError> => {
      const refusal = await startRefusal(
        (env) =>
          createIntakeService({
            env,
            broker: new InProcessBroker({ partitions: 1 }),
            ports: { http: 0, grpc: 0, ops: 0 },
          }),
        { AGENCY_CODES_FILE: file },
      );
      if (refusal instanceof ConfigError) return refusal;
      throw refusal;
    };
    const write = async (name: string, content: unknown) => {
      await writeFile(files.file(name), typeof content === "string" ? content : JSON.stringify(content));
      return files.file(name);
    };

    it("a code not in the Decision's format, an unknown unit, a code given to two units", async () => {
      const error = await startWith(
        await write("wrong.json", {
          agencyCodes: { [MUONG_LAT]: "000.20.38.h56", [TAM_CHUNG]: "000.20.38.H56" },
        }),
      );
      expect(error.issues).toEqual([
        {
          variable: "AGENCY_CODES_FILE",
          reason: expect.stringMatching(/^agencyCodes\.14845: must be an agency code of Decision 20\/2020\/QĐ-TTg/),
        },
      ]);
      expect(error.message).toMatch(/^Invalid configuration: AGENCY_CODES_FILE: agencyCodes\.14845: /);
      expect(
        (
          await startWith(
            await write("semantics.json", {
              agencyCodes: { "99999": "000.00.09.H99", [MUONG_LAT]: "000.20.38.H56", [TAM_CHUNG]: "000.20.38.H56" },
            }),
          )
        ).issues,
      ).toEqual([
        { variable: "AGENCY_CODES_FILE", reason: "agencyCodes.14848: is the same code as agencyCodes.14845" },
        {
          variable: "AGENCY_CODES_FILE",
          reason: "agencyCodes.99999: is not a commune or provincial agency of the units",
        },
      ]);
    });

    it("text that is not JSON, a file that is not there", async () => {
      expect((await startWith(await write("text.json", "agencyCodes: 14845"))).issues).toEqual([
        expect.objectContaining({ variable: "AGENCY_CODES_FILE", reason: expect.stringMatching(/^must be JSON/) }),
      ]);
      expect((await startWith(files.file("absent.json"))).issues).toEqual([
        { variable: "AGENCY_CODES_FILE", reason: "cannot read the file it names (ENOENT)" },
      ]);
    });
  });
});
