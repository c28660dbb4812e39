import { applications } from "../src/store/collections";
import {
  MUONG_LAT,
  TAM_CHUNG,
  clients,
  postApplication,
  startIntake,
  validApplication,
  type IntakeHarness,
} from "./support/intake-harness";

/** Phường Ba Đình, Hà Nội (province 01): outside Thanh Hoá (38), where Mường Lát and Tam Chung lie. */
const BA_DINH = "00004";

describe("boundary-free intake stays within the receiving centre's province", () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await startIntake({ partitions: 1 });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  const submit = async (target: IntakeHarness, overrides: Record<string, unknown>) => {
    const reply = await postApplication(target.running.httpUrl, validApplication(overrides), {
      "x-api-key": clients.muongLat.key,
    });
    return { status: reply.status, body: reply.body as { violations?: { field: string; reason: string }[] } };
  };

  it("receives a dossier decided by another commune of its province", async () => {
    const reply = await submit(harness, { applicantCommuneCode: TAM_CHUNG });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      application: { receivingUnitCode: MUONG_LAT, applicantCommuneCode: TAM_CHUNG },
    });
  });

  it("refuses one decided in another province, naming the field that decides competence, and stores nothing", async () => {
    const before = await harness.runtime.store.count(applications);
    const applicant = await submit(harness, { applicantCommuneCode: BA_DINH });
    expect({ status: applicant.status, violations: applicant.body.violations }).toEqual({
      status: 400,
      violations: [
        {
          field: "applicantCommuneCode",
          reason:
            "is in province 01; a receiving unit of province 38 receives only dossiers decided in its own province",
        },
      ],
    });
    // Land is decided where it lies: an applicant of the province does not bring land elsewhere within it.
    const land = await submit(harness, { applicantCommuneCode: TAM_CHUNG, landCommuneCode: BA_DINH });
    expect(land.status).toBe(400);
    expect(land.body.violations).toEqual([expect.objectContaining({ field: "landCommuneCode" })]);
    expect(await harness.runtime.store.count(applications)).toBe(before);
  });

  it("receives it where the deployment says provinces agreed to (INTAKE_ACROSS_PROVINCES)", async () => {
    const across = await startIntake({ partitions: 1, env: { INTAKE_ACROSS_PROVINCES: "true" } });
    try {
      const reply = await submit(across, { applicantCommuneCode: BA_DINH });
      expect(reply.status).toBe(201);
    } finally {
      await across.stop();
    }
  });
});
