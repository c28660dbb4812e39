import * as grpc from "@grpc/grpc-js";
import { routing as contract } from "@lienthong/contracts";
import { DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { put } from "@lienthong/storage";
import { assignments } from "../src/store/collections";
import {
  HOUSEHOLD_BUSINESS,
  TAM_CHUNG,
  clientOf,
  grpcCall,
  officialFor,
  startRouting,
  type RoutingHarness,
} from "./support/routing-harness";

const ALL_ACTIONS = [
  "accept",
  "refuse",
  "request_supplement",
  "request_payment",
  "record_payment",
  "decide",
  "stop",
  "resume",
  "transfer",
  "withdraw",
  "return_result",
  "apologize",
];
/** Every field any action needs, valid, so only the status machine can refuse (each action by an official who may take it). */
const fullBody = {
  reason: "Lý do",
  missingItems: ["Tờ khai"],
  amountVnd: 50_000,
  receiptNumber: "BL-1",
  targetAgencyCode: TAM_CHUNG,
  outcome: "approved",
  summary: "Tóm tắt",
  newAppointmentAt: "2030-01-07T09:00:00+07:00",
};

const EXPECTED_ALLOWED: Record<string, string[]> = {
  "1": ["accept", "refuse", "withdraw"],
  "3": [],
  "4": ["request_supplement", "request_payment", "decide", "stop", "transfer", "withdraw", "apologize"],
  "5": ["resume", "withdraw"],
  "6": ["record_payment", "decide"],
  "7": [],
  "8": ["resume"],
  "9": ["return_result"],
  "10": [],
  "4, awaiting the signed result": [],
};

describe("routing: the status machine refuses illegal actions and concurrent updates", () => {
  let routing: RoutingHarness;
  const dossierAt: Record<string, string> = {};

  beforeAll(async () => {
    routing = await startRouting();
    const submit = async () => (await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS })).dossierId;
    const act = async (id: string, ...actions: string[]) => {
      for (const action of actions) expect((await routing.act(id, action, fullBody)).status).toBe(200);
      return id;
    };
    dossierAt["1"] = await submit();
    dossierAt["3"] = await act(await submit(), "refuse");
    dossierAt["4"] = await act(await submit(), "accept");
    dossierAt["5"] = await act(await submit(), "accept", "request_supplement");
    dossierAt["6"] = await act(await submit(), "accept", "request_payment");
    dossierAt["7"] = await act(await submit(), "withdraw");
    dossierAt["8"] = await act(await submit(), "accept", "stop");
    dossierAt["4, awaiting the signed result"] = await act(await submit(), "accept", "decide");
    const decided = await act(await submit(), "accept", "decide");
    await routing.sign(decided);
    dossierAt["9"] = decided;
    const returned = await act(await submit(), "accept", "decide");
    await routing.sign(returned);
    dossierAt["10"] = await act(returned, "return_result");
  });

  afterAll(async () => {
    await routing.stop();
  });

  it.each(Object.keys(EXPECTED_ALLOWED))(
    "at status %s shows exactly the allowed actions and refuses every other one naming the status",
    async (label) => {
      const dossierId = dossierAt[label]!;
      const status = Number(label.split(",")[0]);
      const allowed = EXPECTED_ALLOWED[label]!;
      const before = await routing.assignment(dossierId);
      expect(before).toMatchObject({ status, allowedActions: allowed });
      for (const action of ALL_ACTIONS.filter((a) => !allowed.includes(a))) {
        const reply = await routing.act(dossierId, action, fullBody);
        expect({ action, status: reply.status, code: reply.body.code }).toEqual({
          action,
          status: 409,
          code: "FAILED_PRECONDITION",
        });
        expect(reply.body.details).toEqual({ status, allowedActions: allowed });
        expect(reply.body.detail).toContain(`Action "${action}" is not allowed: the dossier is at status ${status}`);
        expect(reply.body.detail).toContain(`allowed actions: ${allowed.length > 0 ? allowed.join(", ") : "none"}`);
      }
      // Nothing changed.
      expect((await routing.assignment(dossierId)).version).toBe(before.version);
    },
  );

  it("rejects an unknown action and an unknown dossier", async () => {
    const unknownAction = await routing.act(dossierAt["4"]!, "approve", fullBody);
    expect(unknownAction.status).toBe(400);
    expect(unknownAction.body.violations[0]?.field).toBe("action");
    const unknownDossier = await routing.act("00000000-0000-0000-0000-000000000000", "accept", fullBody);
    expect(unknownDossier.status).toBe(404);
  });

  it("of two officials acting at once on one dossier, exactly one wins and the other gets a conflict", async () => {
    for (let round = 0; round < 5; round += 1) {
      const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
      const { version } = await routing.assignment(dossierId);
      const [accept, refuse] = await Promise.all([
        routing.act(dossierId, "accept", { expectedVersion: version }),
        routing.act(dossierId, "refuse", { expectedVersion: version, reason: "Thiếu giấy tờ" }),
      ]);
      const statuses = [accept.status, refuse.status].sort();
      expect(statuses).toEqual([200, 409]);
      const loser = accept.status === 409 ? accept : refuse;
      expect(loser.body).toMatchObject({
        code: "CONFLICT",
        retriable: true,
        details: { expectedVersion: version, currentVersion: version + 1 },
      });
      const final = await routing.assignment(dossierId);
      expect(final.version).toBe(version + 1);
      expect(final.status).toBe(accept.status === 200 ? 4 : 3);
    }
  });

  it("refuses a stale expectedVersion even when the action itself would be legal", async () => {
    const dossierId = dossierAt["4"]!;
    const { version } = await routing.assignment(dossierId);
    const reply = await routing.act(dossierId, "transfer", {
      targetAgencyCode: "38.STP",
      expectedVersion: version - 1,
    });
    expect(reply.status).toBe(409);
    expect(reply.body.code).toBe("CONFLICT");
  });

  it("two racing actions without expectedVersion never both apply: one event, one version step", async () => {
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const { version } = await routing.assignment(dossierId);
    const replies = await Promise.all([routing.act(dossierId, "accept"), routing.act(dossierId, "accept")]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(["CONFLICT", "FAILED_PRECONDITION"]).toContain(replies.find((r) => r.status === 409)!.body.code);
    expect((await routing.assignment(dossierId)).version).toBe(version + 1);
    await routing.waitForEvent(dossierId, "dossierRouted");
    expect(routing.eventsOf(dossierId, "applicationAccepted")).toHaveLength(1);
  });

  it("plans an action without expectedVersion again when a write of the platform's own lands meanwhile", async () => {
    const { dossierId } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
    const { version } = await routing.assignment(dossierId);
    // The first time the action commits, another writer (a deadline timer, an event) has just moved the dossier.
    const host = routing.runtime;
    const commit = host.commit.bind(host);
    let raced = false;
    host.commit = async (ops) => {
      if (!raced) {
        raced = true;
        const stored = await host.store.get(assignments, dossierId);
        await commit([put(assignments, dossierId, { ...stored!.data }, stored!.version)]);
      }
      return commit(ops);
    };
    try {
      const reply = await routing.act(dossierId, "accept");
      expect(reply.status).toBe(200);
    } finally {
      host.commit = commit;
    }
    expect(raced).toBe(true);
    expect((await routing.assignment(dossierId)).version).toBe(version + 2);
    await routing.waitForEvent(dossierId, "dossierRouted");
    expect(routing.eventsOf(dossierId, "applicationAccepted")).toHaveLength(1);
  });

  it("ignores an applicant's withdrawal or supplement that no longer applies", async () => {
    const dossierId = dossierAt["9"]!;
    const { version } = await routing.assignment(dossierId);
    await routing.publish("withdrawalRequested", { dossierId, reason: "late" });
    await routing.publish("supplementProvided", { dossierId: dossierAt["8"]! });
    // A marker event behind them on the same partition proves they were consumed.
    const { dossierId: marker } = await routing.submit();
    expect(marker).toBeDefined();
    expect((await routing.assignment(dossierId)).version).toBe(version);
    expect((await routing.assignment(dossierAt["8"]!)).status).toBe(8);
  });

  describe("over gRPC", () => {
    let client: InstanceType<typeof contract.RoutingServiceClient>;

    beforeAll(() => {
      client = new contract.RoutingServiceClient(
        `127.0.0.1:${routing.running.grpcPort}`,
        grpc.credentials.createInsecure(),
      );
    });

    afterAll(() => {
      client.close();
    });

    it("ApplyAction accepts, refuses an illegal action with FAILED_PRECONDITION and a stale version with ABORTED", async () => {
      const applyAction = grpcCall<contract.ApplyActionRequest, contract.ApplyActionResponse>(
        (request, metadata, callback) => client.applyAction(request, metadata, callback),
      );
      /** The official of Mường Lát who may take the action, forwarded by Mường Lát's system. */
      const as = (action: string) => {
        const official = officialFor(action);
        return routing.metadata({ official, client: clientOf(official) });
      };
      const { dossierId, dossierCode } = await routing.submit({ procedureCode: HOUSEHOLD_BUSINESS });
      const accepted = await applyAction(
        contract.ApplyActionRequest.fromPartial({
          dossierRef: dossierCode,
          action: contract.DossierAction.DOSSIER_ACTION_ACCEPT,
        }),
        await as("accept"),
      );
      expect(accepted.assignment).toMatchObject({
        dossierId,
        status: 4,
        procedureVersion: 1,
        clock: "running",
        deadlineState: "within_deadline",
      });
      expect(accepted.assignment?.allowedActions).toEqual(EXPECTED_ALLOWED["4"]);

      await expect(
        applyAction(
          contract.ApplyActionRequest.fromPartial({
            dossierRef: dossierId,
            action: contract.DossierAction.DOSSIER_ACTION_RETURN_RESULT,
          }),
          await as("return_result"),
        ),
      ).rejects.toMatchObject({
        code: grpc.status.FAILED_PRECONDITION,
        details: expect.stringContaining(
          "the dossier is at status 4 (Processing); allowed actions: request_supplement, request_payment, decide, stop, transfer, withdraw, apologize",
        ),
      });
      await expect(
        applyAction(
          contract.ApplyActionRequest.fromPartial({
            dossierRef: dossierId,
            action: contract.DossierAction.DOSSIER_ACTION_STOP,
            reason: "Tạm dừng",
            expectedVersion: 1,
          }),
          await as("stop"),
        ),
      ).rejects.toMatchObject({ code: grpc.status.ABORTED });
      await expect(
        applyAction(
          contract.ApplyActionRequest.fromPartial({
            dossierRef: dossierId,
            action: contract.DossierAction.DOSSIER_ACTION_STOP,
          }),
          await as("stop"),
        ),
      ).rejects.toMatchObject({
        code: grpc.status.INVALID_ARGUMENT,
        details: expect.stringContaining("reason: is required to stop"),
      });
    });

    it("ListQueue pages the agency's queue by cursor in appointment order", async () => {
      const listQueue = grpcCall<contract.ListQueueRequest, contract.ListQueueResponse>((request, metadata, callback) =>
        client.listQueue(request, metadata, callback),
      );
      const muongLatSystem = await routing.metadata({ client: DEVELOPMENT_CLIENTS.muongLat });
      const seen: string[] = [];
      let pageToken = "";
      let pages = 0;
      do {
        const page = await listQueue(
          contract.ListQueueRequest.fromPartial({ agencyCode: "14845", status: 4, pageSize: 2, pageToken }),
          muongLatSystem,
        );
        expect(page.assignments.length).toBeLessThanOrEqual(2);
        seen.push(...page.assignments.map((a) => `${a.appointmentAt}|${a.dossierId}`));
        pageToken = page.nextPageToken;
        pages += 1;
      } while (pageToken);
      const all = await routing.get("/v1/queues/14845?status=4&pageSize=200");
      expect(seen).toEqual(all.body.assignments.map((a) => `${a.appointmentAt}|${a.dossierId}`));
      expect(seen).toEqual([...seen].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBe(Math.ceil(seen.length / 2) || 1);
      expect(seen.length).toBeGreaterThanOrEqual(3);
    });
  });
});
