import { randomUUID } from "node:crypto";
import { common } from "@lienthong/contracts";
import { sampleUnits } from "@lienthong/domain";
import {
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  parseKey,
  storedKeyOf,
  type DevelopmentClient,
  type DevelopmentOfficial,
} from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import {
  CRIMINAL_RECORD_CERTIFICATE,
  HOUSEHOLD_BUSINESS,
  MONDAY,
  MUONG_LAT,
  at,
  startRouting,
  type RoutingHarness,
} from "./support/routing-harness";

/** Thanh Hoá's provincial police, receiving at a desk of its own (a unit above the commune, decision 56). */
const POLICE_DESK = "38.CA";
const POLICE_RECEIVING_OFFICER: DevelopmentOfficial = {
  subject: "tiep-nhan-cong-an-thanh-hoa",
  name: "Cán bộ tiếp nhận Công an tỉnh Thanh Hoá",
  unitCodes: [POLICE_DESK],
  roles: ["receiving_officer"],
};
const range = "from=2025-10-06&to=2025-10-06";

/**
 * A dossier received at a unit above the commune belongs to that unit's
 * province in routing, as one received at a commune does: the province's
 * figures count it as received.
 */
describe("routing: a dossier received above the commune", () => {
  let routing: RoutingHarness;

  beforeAll(async () => {
    routing = await startRouting();
  });
  afterAll(() => routing.stop());

  it("is accepted at its desk and counted in its province's figures", async () => {
    const atDesk = { official: POLICE_RECEIVING_OFFICER, client: DEVELOPMENT_CLIENTS.thanhHoaPolice };
    const asOperator = { official: DEVELOPMENT_OFFICIALS.operator };
    const dossierId = randomUUID();
    await routing.publish("applicationSubmitted", {
      dossierId,
      dossierCode: `${POLICE_DESK}-251006-0001`,
      status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
      submittedAt: MONDAY.toISOString(),
      procedureCode: CRIMINAL_RECORD_CERTIFICATE,
      receivingUnitCode: POLICE_DESK,
      applicantCommuneCode: MUONG_LAT,
      channel: common.Channel.CHANNEL_COUNTER,
    });
    await waitFor(async () => (await routing.get(`/v1/dossiers/${dossierId}`, atDesk)).status === 200, {
      description: "the desk's dossier registered",
      timeoutMs: 15_000,
    });
    const accepted = await routing.request("POST", `/v1/dossiers/${dossierId}/actions/accept`, {}, atDesk);
    expect(accepted.status).toBe(200);

    const province = await routing.get(`/v1/indicators/38?${range}`, asOperator);
    expect(province.status).toBe(200);
    expect(province.body.indicators).toMatchObject({ received: 1, receivedOnline: 0 });
  });
});

/** Thanh Hoá's provincial Public Administration Service Centre: it receives, decides nothing (decision 56). */
const CENTRE = "38.TTPVHCC";
const CENTRE_NAME = "Trung tâm Phục vụ hành chính công tỉnh Thanh Hoá";
const CENTRE_OFFICER: DevelopmentOfficial = {
  subject: "tiep-nhan-ttpvhcc-thanh-hoa",
  name: "Cán bộ tiếp nhận Trung tâm Phục vụ hành chính công tỉnh Thanh Hoá",
  unitCodes: [CENTRE],
  roles: ["receiving_officer"],
};
/** The centre's desk system: no development client acts for it, so the test registers one (CLIENTS). */
const CENTRE_SYSTEM: DevelopmentClient = {
  clientId: "thanh-hoa-centre-desk",
  key: "ltk.testcentre.test-key-thanh-hoa-provincial-centre-0001",
  unitCodes: [CENTRE],
};

/**
 * The desk's slips name the unit that received the dossier (decision 58). Routing's agencies hold no provincial
 * centre, so the name is the one intake sent with the application (`receivingUnitName`); communes and agencies
 * keep routing's own names (apology.test.ts: Mường Lát).
 */
describe("routing: the events of a dossier received at a provincial centre name the centre", () => {
  let routing: RoutingHarness;
  const units = sampleUnits();
  const allCommunes = units.provinces().flatMap((province) => units.communesOf(province.code).map((c) => c.code));
  const clients = JSON.stringify({
    clients: [...Object.values(DEVELOPMENT_CLIENTS), CENTRE_SYSTEM].map(({ key, clientId, unitCodes }) => {
      const { id, secret } = parseKey(key)!;
      return { clientId, unitCodes: unitCodes === "*" ? allCommunes : unitCodes, keys: [storedKeyOf(id, secret)] };
    }),
  });
  const atCentre = { official: CENTRE_OFFICER, client: CENTRE_SYSTEM };
  const centre = { code: CENTRE, name: CENTRE_NAME };

  beforeAll(async () => {
    routing = await startRouting({ CLIENTS: clients }, at(6, 8));
  });
  afterAll(() => routing.stop());

  async function receivedAtCentre(sequence: number): Promise<string> {
    const dossierId = randomUUID();
    await routing.publish("applicationSubmitted", {
      dossierId,
      dossierCode: `${CENTRE}-251006-000${sequence}`,
      status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
      submittedAt: at(6, 8).toISOString(),
      procedureCode: HOUSEHOLD_BUSINESS,
      receivingUnitCode: CENTRE,
      receivingUnitName: CENTRE_NAME,
      applicantCommuneCode: MUONG_LAT,
      channel: common.Channel.CHANNEL_COUNTER,
    });
    await waitFor(async () => (await routing.get(`/v1/dossiers/${dossierId}`, atCentre)).status === 200, {
      description: "the centre's dossier registered",
      timeoutMs: 15_000,
    });
    return dossierId;
  }

  it("on acceptance, the supplement request and the apology", async () => {
    const dossierId = await receivedAtCentre(1);
    expect((await routing.request("POST", `/v1/dossiers/${dossierId}/actions/accept`, {}, atCentre)).status).toBe(200);
    expect(await routing.waitForEvent(dossierId, "applicationAccepted")).toMatchObject({
      receivingUnit: centre,
      competentAuthority: { code: MUONG_LAT, name: "Ủy ban nhân dân xã Mường Lát" },
    });
    // The competent authority (Mường Lát) asks, resumes and apologises: the slips still name the centre as the desk.
    expect((await routing.act(dossierId, "request_supplement", { missingItems: ["Tờ khai"] })).status).toBe(200);
    expect(await routing.waitForEvent(dossierId, "supplementRequested")).toMatchObject({ receivingUnit: centre });
    expect((await routing.act(dossierId, "resume")).status).toBe(200);
    const apology = await routing.act(
      dossierId,
      "apologize",
      { reason: "Chờ ý kiến của cơ quan thuế", newAppointmentAt: at(15, 9).toISOString() },
      DEVELOPMENT_OFFICIALS.leaderMuongLat,
    );
    expect(apology.status).toBe(200);
    expect(await routing.waitForEvent(dossierId, "apologyIssued")).toMatchObject({ receivingUnit: centre });
  });

  it("on refusal", async () => {
    const dossierId = await receivedAtCentre(2);
    const refused = await routing.request(
      "POST",
      `/v1/dossiers/${dossierId}/actions/refuse`,
      { reason: "Không thuộc thẩm quyền" },
      atCentre,
    );
    expect(refused.status).toBe(200);
    expect(await routing.waitForEvent(dossierId, "applicationRefused")).toMatchObject({ receivingUnit: centre });
  });
});
