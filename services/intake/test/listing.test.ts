import { intake } from "@lienthong/contracts";
import { recordResponses } from "@lienthong/testing";
import {
  MUONG_LAT,
  TAM_CHUNG,
  attestationApplication,
  call,
  clients,
  intakeClient,
  publishRoutingEvent,
  startIntake,
  submitValid,
  unaryCall,
  waitForRecord,
  withApiKey,
  type ApplicationBody,
  type IntakeHarness,
} from "./support/intake-harness";

interface Page {
  applications: ApplicationBody[];
  nextPageToken: string;
}

const HOUR = 3_600_000;

describe("listing a commune system's dossiers", () => {
  // Every REST answer below is checked against the service's OpenAPI document by the last test.
  const responses = recordResponses();
  afterAll(() => responses.stop());

  let harness: IntakeHarness;
  /** Everything submitted, oldest first. */
  const muongLat: ApplicationBody[] = [];
  const tamChung: ApplicationBody[] = [];
  let routedToTamChung: ApplicationBody;
  const overdue = new Set<string>();
  const processing = new Set<string>();

  async function route(
    application: ApplicationBody,
    status: number,
    appointmentAt: Date,
    authority = application.receivingUnitCode,
  ): Promise<void> {
    await publishRoutingEvent(harness, "dossierRouted", {
      dossierId: application.dossierId,
      dossierCode: application.dossierCode,
      status,
      appointmentAt: appointmentAt.toISOString(),
      competentAuthority: {
        code: authority,
        name: `Ủy ban nhân dân ${authority}`,
        level: 1,
        communeCode: authority,
        provinceCode: "38",
      },
    });
    await waitForRecord(
      harness,
      application.dossierId,
      (record) => record.status === status,
      `${application.dossierCode} at status ${status}`,
    );
  }

  beforeAll(async () => {
    harness = await startIntake();
    for (let index = 0; index < 8; index++) muongLat.push(await submitValid(harness));
    for (let index = 0; index < 3; index++) muongLat.push(await submitValid(harness, attestationApplication()));
    for (let index = 0; index < 3; index++)
      tamChung.push(await submitValid(harness, { receivingUnitCode: TAM_CHUNG }, clients.tamChung.key));
    routedToTamChung = muongLat[1]!;

    const past = new Date(Date.now() - 5 * HOUR);
    const future = new Date(Date.now() + 48 * HOUR);
    await route(routedToTamChung, 4, past, TAM_CHUNG);
    await route(muongLat[2]!, 4, past);
    await route(muongLat[3]!, 5, past);
    await route(muongLat[4]!, 4, future);
    await route(muongLat[5]!, 9, past); // decided: its appointment passing no longer makes it overdue
    await route(tamChung[0]!, 4, past);
    for (const application of [routedToTamChung, muongLat[2]!, muongLat[3]!, tamChung[0]!])
      overdue.add(application.dossierId);
    for (const application of [routedToTamChung, muongLat[2]!, muongLat[4]!, tamChung[0]!])
      processing.add(application.dossierId);
  });

  afterAll(async () => {
    await harness?.stop();
  });

  async function list(query: string, apiKey: string = clients.muongLat.key): Promise<Page> {
    const reply = await call(harness.running.httpUrl, "GET", `/v1/applications${query}`, { apiKey });
    if (reply.status !== 200) throw new Error(`listing failed with ${reply.status}: ${reply.text}`);
    return reply.body as Page;
  }

  /** Follows nextPageToken to the end; returns the pages. */
  async function allPages(query: string, apiKey?: string): Promise<ApplicationBody[][]> {
    const pages: ApplicationBody[][] = [];
    let token = "";
    do {
      const separator = query.includes("?") ? "&" : "?";
      const page = await list(`${query}${token ? `${separator}pageToken=${encodeURIComponent(token)}` : ""}`, apiKey);
      pages.push(page.applications);
      token = page.nextPageToken;
      if (pages.length > 20) throw new Error("pagination does not end");
    } while (token);
    return pages;
  }

  const newestFirst = (applications: ApplicationBody[]) =>
    [...applications].sort((a, b) =>
      a.submittedAt === b.submittedAt
        ? b.dossierId.localeCompare(a.dossierId)
        : b.submittedAt.localeCompare(a.submittedAt),
    );
  const ids = (applications: ApplicationBody[]) => applications.map((application) => application.dossierId);

  test("pages of 4 walk every dossier the unit received, newest first, without duplicates or gaps", async () => {
    const pages = await allPages("?pageSize=4");
    expect(pages.map((page) => page.length)).toEqual([4, 4, 3]);
    expect(ids(pages.flat())).toEqual(ids(newestFirst(muongLat)));
  });

  test("a commune sees what it received plus what it is competent for, never another commune's dossiers", async () => {
    const seen = (await allPages("?pageSize=2", clients.tamChung.key)).flat();
    expect(ids(seen)).toEqual(ids(newestFirst([...tamChung, routedToTamChung])));
  });

  test("a portal acting for many units sees the same dossiers, paged the same way", async () => {
    const pages = await allPages("?pageSize=5", clients.thanhHoaPortal.key);
    expect(ids(pages.flat())).toEqual(ids(newestFirst([...muongLat, ...tamChung])));
    const onlyProcessing = (await allPages("?status=4&pageSize=2", clients.thanhHoaPortal.key)).flat();
    expect(new Set(ids(onlyProcessing))).toEqual(processing);
  });

  test("filters: status, procedure, overdue", async () => {
    const atFour = (await allPages("?status=4&pageSize=2")).flat();
    expect(ids(atFour)).toEqual(ids(newestFirst([routedToTamChung, muongLat[2]!, muongLat[4]!])));

    const attestations = (await allPages("?procedureCode=2.000884")).flat();
    expect(ids(attestations)).toEqual(ids(newestFirst(muongLat.slice(8))));

    const late = (await allPages("?overdue=true&pageSize=1")).flat();
    expect(ids(late)).toEqual(ids(newestFirst([routedToTamChung, muongLat[2]!, muongLat[3]!])));
    for (const application of late) expect(overdue.has(application.dossierId)).toBe(true);

    const lateAtFive = (await list("?overdue=true&status=5")).applications;
    expect(ids(lateAtFive)).toEqual([muongLat[3]!.dossierId]);
    expect((await list("?overdue=true&status=9")).applications).toEqual([]);
  });

  test("date range: from is inclusive, to exclusive; a date covers its whole Vietnam day", async () => {
    const sorted = newestFirst(muongLat);
    const pivot = sorted[5]!.submittedAt;
    const since = (await allPages(`?from=${encodeURIComponent(pivot)}&pageSize=3`)).flat();
    expect(ids(since)).toEqual(ids(sorted.filter((application) => application.submittedAt >= pivot)));
    const before = (await allPages(`?to=${encodeURIComponent(pivot)}&pageSize=3`)).flat();
    expect(ids(before)).toEqual(ids(sorted.filter((application) => application.submittedAt < pivot)));

    const today = new Date(Date.now() + 7 * HOUR).toISOString().slice(0, 10);
    expect((await list(`?from=${today}&to=${today}`)).applications).toHaveLength(muongLat.length);
    const tomorrow = new Date(Date.now() + 31 * HOUR).toISOString().slice(0, 10);
    expect((await list(`?from=${tomorrow}`)).applications).toEqual([]);
  });

  test.each([
    ["?status=11", "status"],
    ["?pageSize=500", "pageSize"],
    ["?pageToken=bm90LWEtdG9rZW4", "pageToken"],
    ["?from=yesterday", "from"],
    ["?overdue=maybe", "overdue"],
  ])("%s is a 400 naming %s", async (query, field) => {
    const reply = await call(harness.running.httpUrl, "GET", `/v1/applications${query}`);
    expect(reply.status).toBe(400);
    expect((reply.body as { violations: { field: string }[] }).violations.map((v) => v.field)).toEqual([field]);
  });

  test("over gRPC, ListApplications pages the same way", async () => {
    const client = intakeClient(harness);
    try {
      const seen: string[] = [];
      let pageToken = "";
      do {
        const page = await unaryCall(
          client.listApplications.bind(client),
          intake.ListApplicationsRequest.fromPartial({ pageSize: 3, pageToken }),
          withApiKey(),
        );
        seen.push(...page.applications.map((application) => application.dossierId));
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(seen).toEqual(ids(newestFirst(muongLat)));
      const overdueOnly = await unaryCall(
        client.listApplications.bind(client),
        intake.ListApplicationsRequest.fromPartial({ overdueOnly: true }),
        withApiKey(),
      );
      expect(overdueOnly.applications.map((application) => application.dossierId).sort()).toEqual(
        [routedToTamChung, muongLat[2]!, muongLat[3]!].map((application) => application.dossierId).sort(),
      );
      expect(overdueOnly.applications.every((application) => application.receivingUnitCode === MUONG_LAT)).toBe(true);
    } finally {
      client.close();
    }
  });

  it("answers every request as its OpenAPI document says", async () => {
    expect(await responses.nonConforming()).toEqual([]);
    expect(responses.checked).toBeGreaterThanOrEqual(5);
  });
});
