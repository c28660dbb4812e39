import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { EventTypes, decodeEvent, intake } from "@lienthong/contracts";
import { InProcessBroker, outbox } from "@lienthong/messaging";
import {
  ConfigError,
  DEVELOPMENT_OFFICIALS,
  createLogger,
  grpcStatusDetailsKey,
  openDevelopmentIssuer,
} from "@lienthong/service-host";
import { readGrpcErrorDetails, startRefusal, tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { createIntakeService } from "../src";
import { applications, dossierSequences } from "../src/store/collections";
import {
  HA_NOI_CENTRE,
  HA_NOI_TRADE,
  MUONG_LAT,
  THANH_HOA_CENTRE,
  THANH_HOA_TRADE,
  applicantData,
  call,
  clients,
  grpcError,
  intakeClient,
  postApplication,
  startIntake,
  unaryCall,
  validApplication,
  withApiKey,
  type ApplicationBody,
  type IntakeHarness,
} from "./support/intake-harness";

/** The acceptance pattern of issue 12 and DOMAIN.md §5, written out rather than imported. */
const ACCEPTANCE = /^[0-9A-Z.]{1,35}-\d{6}-\d{4}$/;
/** An official code in the Decision 20/2020/QĐ-TTg shape for Thanh Hoá's centre, in these tests only. */
const CENTRE_AGENCY = "000.00.31.H56";
/** Food-safety certificate: decided by the provincial Department of Industry and Trade (sample catalog). */
const FOOD_SAFETY = "2.001827";
/** Phường Ba Đình, Hà Nội (province 01). */
const BA_DINH = "00004";
/** AGENCY_CODES_FILE keys no receiving unit has: a typo of the centre's code, and the police, which keeps no desk here. */
const RECEIVING_NOTHING = ["38.TTPVHC", "38.CA"];

const receivingUnitsFile = {
  provinces: {
    "38": {
      centres: [{ code: THANH_HOA_CENTRE, name: "Trung tâm Phục vụ hành chính công tỉnh Thanh Hoá" }],
      agencies: ["department_of_industry_and_trade"],
    },
    "01": {
      centres: [{ code: HA_NOI_CENTRE, name: "Trung tâm Phục vụ hành chính công thành phố Hà Nội" }],
      agencies: ["department_of_industry_and_trade"],
    },
  },
};

/** A food-safety dossier of an applicant of Mường Lát (Thanh Hoá), received at `receivingUnitCode`. */
function foodSafety(receivingUnitCode: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return validApplication({
    procedureCode: FOOD_SAFETY,
    receivingUnitCode,
    applicantCommuneCode: MUONG_LAT,
    formFields: {
      applicantFullName: applicantData.fullName,
      applicantCitizenId: applicantData.citizenId,
      establishmentName: "Bếp ăn tập thể Trường Tiểu học Mường Lát",
      establishmentAddress: "Bản Lát, xã Mường Lát",
    },
    ...overrides,
  });
}

/** The same dossier as a gRPC request: proto3 sends absent strings as "". */
function overGrpc(body: Record<string, unknown>): intake.SubmitApplicationRequest {
  return intake.SubmitApplicationRequest.fromPartial({
    procedureCode: body.procedureCode as string,
    receivingUnitCode: body.receivingUnitCode as string,
    applicantCommuneCode: (body.applicantCommuneCode as string | undefined) ?? "",
    applicant: { fullName: applicantData.fullName, citizenId: applicantData.citizenId, phone: applicantData.phone },
    formFields: body.formFields as Record<string, string>,
  });
}

type Problem = { code: string; violations?: { field: string; reason: string }[] };

describe("receiving units above the commune (RECEIVING_UNITS_FILE)", () => {
  let files: TempDir;
  let harness: IntakeHarness;
  /** Every warning or error intake logged, parsed. */
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    files = await tempDir("intake-receiving-units");
    await writeFile(files.file("receiving-units.json"), JSON.stringify(receivingUnitsFile));
    await writeFile(
      files.file("agency-codes.json"),
      JSON.stringify({
        agencyCodes: {
          [THANH_HOA_CENTRE]: CENTRE_AGENCY,
          [RECEIVING_NOTHING[0]!]: "000.00.99.H56",
          [RECEIVING_NOTHING[1]!]: "000.00.05.H56",
        },
      }),
    );
    const destination = { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) };
    // One partition: every topic keeps one order, so "no event" is checked after everything committed was seen.
    harness = await startIntake({
      partitions: 1,
      env: {
        RECEIVING_UNITS_FILE: files.file("receiving-units.json"),
        AGENCY_CODES_FILE: files.file("agency-codes.json"),
      },
      logger: createLogger({ service: "intake", level: "warn", destination }),
    });
  });

  afterAll(async () => {
    await harness?.stop();
    await files?.remove();
  });

  const submitted = (dossierId: string) =>
    harness.observed
      .filter((event) => event.key === dossierId && event.type === EventTypes.applicationSubmitted.type)
      .map((event) => decodeEvent(event.type, event.data).payload);

  /** Nothing stored or published since `before` was counted. */
  async function expectNothingNew(before: { applications: number; sequences: number; events: number }) {
    await harness.allObserved();
    expect(await harness.runtime.store.count(applications)).toBe(before.applications);
    expect(await harness.runtime.store.count(dossierSequences)).toBe(before.sequences);
    expect(await harness.runtime.store.count(outbox)).toBe(0);
    expect(harness.observed.length).toBe(before.events);
  }
  async function counted() {
    await harness.allObserved();
    return {
      applications: await harness.runtime.store.count(applications),
      sequences: await harness.runtime.store.count(dossierSequences),
      events: harness.observed.length,
    };
  }

  it("the provincial centre receives a department's dossier over REST and gRPC: its agency code, its event", async () => {
    const rest = await postApplication(harness.running.httpUrl, foodSafety(THANH_HOA_CENTRE), {
      "x-api-key": clients.thanhHoaCentre.key,
    });
    expect(rest.status).toBe(201);
    const byRest = (rest.body as { application: ApplicationBody }).application;
    const client = intakeClient(harness);
    let byGrpc: intake.Application | undefined;
    try {
      byGrpc = (
        await unaryCall(
          client.submitApplication.bind(client),
          overGrpc(foodSafety(THANH_HOA_CENTRE)),
          withApiKey(clients.thanhHoaCentre.key),
        )
      ).application;
    } finally {
      client.close();
    }
    for (const application of [byRest, byGrpc]) {
      expect(application?.receivingUnitCode).toBe(THANH_HOA_CENTRE);
      expect(application?.dossierCode).toMatch(ACCEPTANCE);
      expect(application?.dossierCode.startsWith(`${CENTRE_AGENCY}-`)).toBe(true);
    }
    await harness.allObserved();
    for (const application of [byRest, byGrpc]) {
      expect(submitted(application!.dossierId)).toEqual([
        expect.objectContaining({
          dossierCode: application!.dossierCode,
          procedureCode: FOOD_SAFETY,
          receivingUnitCode: THANH_HOA_CENTRE,
          // Routing names the unit on the desk's slips from it: only intake reads the centres' names.
          receivingUnitName: receivingUnitsFile.provinces["38"].centres[0]!.name,
          applicantCommuneCode: MUONG_LAT,
        }),
      ]);
    }
    // The centre lists and reads what it received; Mường Lát's commune did not receive it.
    const listed = await call(harness.running.httpUrl, "GET", "/v1/applications", {
      apiKey: clients.thanhHoaCentre.key,
    });
    expect(
      (listed.body as { applications: ApplicationBody[] }).applications.map((application) => application.dossierCode),
    ).toEqual(expect.arrayContaining([byRest.dossierCode, byGrpc!.dossierCode]));
    const read = await call(harness.running.httpUrl, "GET", `/v1/applications/${byRest.dossierCode}`, {
      apiKey: clients.thanhHoaCentre.key,
    });
    expect(read.status).toBe(200);
    const elsewhere = await call(harness.running.httpUrl, "GET", `/v1/applications/${byRest.dossierCode}`, {
      apiKey: clients.muongLat.key,
    });
    expect(elsewhere.status).toBe(404);
  });

  it("names every receiving unit by its code over REST and gRPC, as a dossier's receivingUnitCode", async () => {
    const get = (code: string) => call(harness.running.httpUrl, "GET", `/v1/units/${code}`, { apiKey: null });
    expect((await get(THANH_HOA_CENTRE)).body).toEqual({
      unit: {
        code: THANH_HOA_CENTRE,
        name: "Trung tâm Phục vụ hành chính công tỉnh Thanh Hoá",
        fullName: "Trung tâm Phục vụ hành chính công tỉnh Thanh Hoá",
        kind: "provincial_centre",
        provinceCode: "38",
        provinceName: "Thanh Hoá",
      },
    });
    // An agency without a desk of its own is no receiving unit.
    expect((await get("38.CA")).status).toBe(404);
    const client = new intake.ReferenceDataServiceClient(
      `127.0.0.1:${harness.running.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const reply = await unaryCall(
        client.getUnit.bind(client),
        intake.GetUnitRequest.fromPartial({ code: THANH_HOA_TRADE }),
      );
      expect(reply.unit).toMatchObject({
        code: THANH_HOA_TRADE,
        name: "Sở Công Thương tỉnh Thanh Hoá",
        kind: "provincial_agency",
        provinceCode: "38",
      });
    } finally {
      client.close();
    }
  });

  it("a department receives at its own desk, under the code it decides under", async () => {
    const reply = await postApplication(harness.running.httpUrl, foodSafety(THANH_HOA_TRADE), {
      "x-api-key": clients.thanhHoaTrade.key,
    });
    expect(reply.status).toBe(201);
    const application = (reply.body as { application: ApplicationBody }).application;
    expect(application.receivingUnitCode).toBe(THANH_HOA_TRADE);
    expect(application.dossierCode).toMatch(ACCEPTANCE);
    expect(application.dossierCode.startsWith(`${THANH_HOA_TRADE}-`)).toBe(true);
    await harness.allObserved();
    expect(submitted(application.dossierId)).toEqual([expect.objectContaining({ receivingUnitCode: THANH_HOA_TRADE })]);
  });

  it("a centre of another province is refused naming the field that decides, over REST and gRPC, nothing stored", async () => {
    const before = await counted();
    const expected = [
      {
        field: "applicantCommuneCode",
        reason: "is in province 38; a receiving unit of province 01 receives only dossiers decided in its own province",
      },
    ];
    const rest = await postApplication(harness.running.httpUrl, foodSafety(HA_NOI_CENTRE), {
      "x-api-key": clients.haNoiCentre.key,
    });
    expect({ status: rest.status, violations: (rest.body as Problem).violations }).toEqual({
      status: 400,
      violations: expected,
    });
    const client = intakeClient(harness);
    try {
      const error = await grpcError(
        unaryCall(
          client.submitApplication.bind(client),
          overGrpc(foodSafety(HA_NOI_CENTRE)),
          withApiKey(clients.haNoiCentre.key),
        ),
      );
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      const details = readGrpcErrorDetails(error.metadata.get(grpcStatusDetailsKey)[0] as Buffer);
      expect(details.violations).toEqual(expected);
    } finally {
      client.close();
    }
    await expectNothingNew(before);
  });

  it("an agency's desk of another province is refused too, naming applicantCommuneCode, nothing stored", async () => {
    const before = await counted();
    const reply = await postApplication(harness.running.httpUrl, foodSafety(HA_NOI_TRADE), {
      "x-api-key": clients.haNoiTrade.key,
    });
    expect({ status: reply.status, violations: (reply.body as Problem).violations }).toEqual({
      status: 400,
      violations: [
        {
          field: "applicantCommuneCode",
          reason:
            "is in province 38; a receiving unit of province 01 receives only dossiers decided in its own province",
        },
      ],
    });
    await expectNothingNew(before);
  });

  it("land in another province is refused at the provincial centre, naming landCommuneCode, nothing stored", async () => {
    const before = await counted();
    const reply = await postApplication(
      harness.running.httpUrl,
      foodSafety(THANH_HOA_CENTRE, { landCommuneCode: BA_DINH }),
      { "x-api-key": clients.thanhHoaCentre.key },
    );
    expect({ status: reply.status, violations: (reply.body as Problem).violations }).toEqual({
      status: 400,
      violations: [
        {
          field: "landCommuneCode",
          reason:
            "is in province 01; a receiving unit of province 38 receives only dossiers decided in its own province",
        },
      ],
    });
    await expectNothingNew(before);
  });

  it("refuses an unknown unit naming receivingUnitCode: not configured, an agency without a desk, malformed", async () => {
    const before = await counted();
    for (const code of ["38.TTPVHCC2", "38.CA", "38.ttpvhcc", "38", "014845"]) {
      const reply = await postApplication(harness.running.httpUrl, foodSafety(code), {
        "x-api-key": clients.thanhHoaPortal.key,
      });
      expect({ code, status: reply.status, fields: (reply.body as Problem).violations?.map((v) => v.field) }).toEqual({
        code,
        status: 400,
        fields: ["receivingUnitCode"],
      });
    }
    await expectNothingNew(before);
  });

  it("above the commune, the applicant's commune must be given: nothing stands in for it", async () => {
    const before = await counted();
    const reply = await postApplication(
      harness.running.httpUrl,
      foodSafety(THANH_HOA_CENTRE, { applicantCommuneCode: undefined }),
      { "x-api-key": clients.thanhHoaCentre.key },
    );
    expect(reply.status).toBe(400);
    expect((reply.body as Problem).violations?.map((v) => v.field)).toEqual(["applicantCommuneCode"]);
    // proto3 cannot leave a string out: gRPC's "" is absent, and refused the same way.
    const client = intakeClient(harness);
    try {
      const error = await grpcError(
        unaryCall(
          client.submitApplication.bind(client),
          overGrpc(foodSafety(THANH_HOA_CENTRE, { applicantCommuneCode: undefined })),
          withApiKey(clients.thanhHoaCentre.key),
        ),
      );
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      const details = readGrpcErrorDetails(error.metadata.get(grpcStatusDetailsKey)[0] as Buffer);
      expect(details.violations.map((v) => v.field)).toEqual(["applicantCommuneCode"]);
    } finally {
      client.close();
    }
    await expectNothingNew(before);
  });

  it("a credential for one centre is refused at another (403 / PERMISSION_DENIED), nothing stored", async () => {
    const before = await counted();
    const atDepartment = await postApplication(harness.running.httpUrl, foodSafety(THANH_HOA_TRADE), {
      "x-api-key": clients.thanhHoaCentre.key,
    });
    expect({ status: atDepartment.status, code: (atDepartment.body as Problem).code }).toEqual({
      status: 403,
      code: "PERMISSION_DENIED",
    });
    const atCommune = await postApplication(harness.running.httpUrl, foodSafety(MUONG_LAT), {
      "x-api-key": clients.thanhHoaCentre.key,
    });
    expect(atCommune.status).toBe(403);
    const client = intakeClient(harness);
    try {
      const error = await grpcError(
        unaryCall(
          client.submitApplication.bind(client),
          overGrpc(foodSafety(THANH_HOA_CENTRE)),
          withApiKey(clients.thanhHoaTrade.key),
        ),
      );
      expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
    } finally {
      client.close();
    }
    await expectNothingNew(before);
    // Each refusal is audited against the unit it was made at, as for a commune (tenancy.test.ts).
    const issuer = await openDevelopmentIssuer(path.join(harness.dataDir, "identity"));
    const auditor = { authorization: `Bearer ${await issuer.sign(DEVELOPMENT_OFFICIALS.auditor)}` };
    const expected = [
      { clientId: clients.thanhHoaCentre.clientId, target: `unit:${THANH_HOA_TRADE}` },
      { clientId: clients.thanhHoaCentre.clientId, target: `unit:${MUONG_LAT}` },
      { clientId: clients.thanhHoaTrade.clientId, target: `unit:${THANH_HOA_CENTRE}` },
    ].map((entry) => ({ ...entry, action: "submit", outcome: "denied" }));
    // Entries are sealed into the chain a moment after the decision.
    await waitFor(
      async () => {
        const reply = await fetch(`${harness.running.httpUrl}/v1/audit?limit=1000`, { headers: auditor });
        const { entries } = (await reply.json()) as { entries: Record<string, unknown>[] };
        return expected.every((entry) =>
          entries.some((candidate) => Object.entries(entry).every(([key, value]) => candidate[key] === value)),
        );
      },
      { description: "the denied submissions sealed in the audit log against their units" },
    );
  });

  it("an AGENCY_CODES_FILE key no receiving unit has is kept, and the start warns naming it", () => {
    const warnings = logLines.filter((line) => line.level === "warn" && line.variable === "AGENCY_CODES_FILE");
    expect(warnings).toEqual([expect.objectContaining({ codes: RECEIVING_NOTHING })]);
    expect(warnings[0]?.msg).toContain("38.TTPVHC, 38.CA");
  });
});

describe("INTAKE_ACROSS_PROVINCES=true: a receiving unit above the commune receives for another province", () => {
  let files: TempDir;
  let harness: IntakeHarness;

  beforeAll(async () => {
    files = await tempDir("intake-receiving-units-across");
    await writeFile(files.file("receiving-units.json"), JSON.stringify(receivingUnitsFile));
    harness = await startIntake({
      partitions: 1,
      env: { RECEIVING_UNITS_FILE: files.file("receiving-units.json"), INTAKE_ACROSS_PROVINCES: "true" },
    });
  });

  afterAll(async () => {
    await harness?.stop();
    await files?.remove();
  });

  it("Hà Nội's centre receives a Thanh Hoá applicant's dossier", async () => {
    const reply = await postApplication(harness.running.httpUrl, foodSafety(HA_NOI_CENTRE), {
      "x-api-key": clients.haNoiCentre.key,
    });
    expect(reply.status).toBe(201);
    expect((reply.body as { application: ApplicationBody }).application).toMatchObject({
      receivingUnitCode: HA_NOI_CENTRE,
      applicantCommuneCode: MUONG_LAT,
    });
  });
});

describe("without RECEIVING_UNITS_FILE only the communes' centres receive", () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await startIntake({ partitions: 1 });
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it("refuses the provincial centre and a department, and receives at a commune as before", async () => {
    for (const [code, key] of [
      [THANH_HOA_CENTRE, clients.thanhHoaCentre.key],
      [THANH_HOA_TRADE, clients.thanhHoaTrade.key],
    ] as const) {
      const reply = await postApplication(harness.running.httpUrl, foodSafety(code), { "x-api-key": key });
      expect({ status: reply.status, fields: (reply.body as Problem).violations?.map((v) => v.field) }).toEqual({
        status: 400,
        fields: ["receivingUnitCode"],
      });
    }
    expect(await harness.runtime.store.count(applications)).toBe(0);
    const atCommune = await postApplication(harness.running.httpUrl, foodSafety(MUONG_LAT), {
      "x-api-key": clients.muongLat.key,
    });
    expect(atCommune.status).toBe(201);
  });
});

describe("RECEIVING_UNITS_FILE: a wrong file refuses the start, naming the variable and the field", () => {
  let files: TempDir;

  beforeAll(async () => {
    files = await tempDir("intake-receiving-units-wrong");
  });

  afterAll(async () => {
    await files?.remove();
  });

  const startWith = async (content: unknown): Promise<ConfigError> => {
    await writeFile(files.file("units.json"), typeof content === "string" ? content : JSON.stringify(content));
    const refusal = await startRefusal(
      (env) =>
        createIntakeService({
          env,
          broker: new InProcessBroker({ partitions: 1 }),
          ports: { http: 0, grpc: 0, ops: 0 },
        }),
      { RECEIVING_UNITS_FILE: files.file("units.json") },
    );
    if (refusal instanceof ConfigError) return refusal;
    throw refusal;
  };

  it("an unknown province, a centre coded for another province or as an agency, twice the same code, unknown kinds", async () => {
    const error = await startWith({
      provinces: {
        "99": { centres: [{ code: "99.TTPVHCC", name: "Nowhere" }] },
        "38": {
          centres: [
            { code: "01.TTPVHCC", name: "Trung tâm" },
            { code: "38.CA", name: "Trung tâm" },
            { code: "38.TTPVHCC", name: "Trung tâm" },
            { code: "38.TTPVHCC", name: "Chi nhánh" },
          ],
          agencies: ["department_of_nothing", "commune_police", "provincial_police"],
        },
      },
    });
    expect(error.issues.map((issue) => issue.reason)).toEqual([
      "provinces.38.centres.0.code: must be 38.<mark>, e.g. 38.TTPVHCC: the mark must be 1 to 12 of 0-9 and A-Z",
      "provinces.38.centres.1.code: is the code of Công an (provincial_police): name the agency under agencies, or give the centre its own mark",
      "provinces.38.centres.3.code: 38.TTPVHCC is already provinces.38.centres.2.code",
      'provinces.38.agencies.0: "department_of_nothing" is not a province-level agency kind of the catalog',
      'provinces.38.agencies.1: "commune_police" is not a province-level agency kind of the catalog',
      "provinces.99: is not a province of the units",
    ]);
    expect(error.issues.every((issue) => issue.variable === "RECEIVING_UNITS_FILE")).toBe(true);
  });

  it("a field the format does not have, a centre without a name or with one the documents cannot print", async () => {
    const error = await startWith({
      provinces: {
        "38": {
          centers: [],
          centres: [
            { code: "38.TTPVHCC", name: " " },
            { code: "38.CNBS", name: "a\u0000b\u202e" },
          ],
        },
      },
    });
    expect(error.issues.map((issue) => issue.reason)).toEqual([
      "provinces.38.centres.0.name: is required",
      "provinces.38.centres.1.name: contains a control character: U+0000",
      'provinces.38: Unrecognized key: "centers"',
    ]);
  });

  it("a province keyed __proto__, which a JSON object would otherwise drop unsaid", async () => {
    const error = await startWith('{ "provinces": { "__proto__": { "centres": [] } } }');
    expect(error.issues.map((issue) => issue.reason)).toEqual(["provinces.__proto__: is not a province of the units"]);
  });
});
