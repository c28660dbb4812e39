import * as grpc from "@grpc/grpc-js";
import { common, routing as contract } from "@lienthong/contracts";
import { grpcStatusDetailsKey } from "@lienthong/service-host";
import { readGrpcErrorDetails } from "@lienthong/testing";
import { clientOf, grpcCall, officialFor, startRouting, type RoutingHarness } from "./support/routing-harness";

/**
 * A decision's summary is printed on the signed result: routing refuses a
 * summary the result document cannot print (issue 8, part 4), naming the field
 * and the code point, not the text, before anything is decided; so is the
 * text the desk's slips print (a refusal's reason, the missing items, an
 * apology's reason: docs/decisions.md §58); text that is only stored (a stop
 * reason) is refused only when not well-formed.
 */
describe("routing: decision text the result document can print", () => {
  let routing: RoutingHarness;
  let client: InstanceType<typeof contract.RoutingServiceClient>;

  beforeAll(async () => {
    routing = await startRouting();
    client = new contract.RoutingServiceClient(
      `127.0.0.1:${routing.running.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
  });

  afterAll(async () => {
    client?.close();
    await routing?.stop();
  });

  async function accepted(): Promise<{ dossierId: string; dossierCode: string }> {
    const dossier = await routing.submit();
    expect((await routing.act(dossier.dossierId, "accept")).status).toBe(200);
    return dossier;
  }

  it.each([
    ["an emoji", "Đồng ý cấp giấy 👍", "contains a character the result document cannot print: U+1F44D"],
    ["a CJK character", "Đồng ý 同意", "contains a character the result document cannot print: U+540C"],
    ["a control character", "Đồng ý\u001b[2J", "contains a control character: U+001B"],
    ["a lone surrogate", "Đồng ý \ud83d", "contains a lone surrogate, which is not text: U+D83D"],
  ])("refuses a summary with %s over REST: 400 naming the field, nothing decided", async (_label, summary, reason) => {
    const { dossierId } = await accepted();
    const refused = await routing.act(dossierId, "decide", { outcome: "approved", summary });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: "INVALID_ARGUMENT", violations: [{ field: "summary", reason }] });
    expect(JSON.stringify(refused.body)).not.toContain("Đồng ý");
    // (Its version may move: the deadline timers write to it.)
    expect(await routing.assignment(dossierId)).toMatchObject({ status: 4, outcome: 0 });
    expect(routing.eventsOf(dossierId, "dossierDecided")).toHaveLength(0);
    expect(routing.eventsOf(dossierId, "signatureRequested")).toHaveLength(0);
  });

  it("refuses it over gRPC too, in DecideDossier and in ApplyAction", async () => {
    const { dossierCode } = await accepted();
    const official = officialFor("decide");
    const metadata = await routing.metadata({ official, client: clientOf(official) });
    const decide = grpcCall<contract.DecideDossierRequest, contract.DecideDossierResponse>((request, meta, callback) =>
      client.decideDossier(request, meta, callback),
    );
    const apply = grpcCall<contract.ApplyActionRequest, contract.ApplyActionResponse>((request, meta, callback) =>
      client.applyAction(request, meta, callback),
    );
    const outcome = common.DecisionOutcome.DECISION_OUTCOME_APPROVED;
    for (const call of [
      () =>
        decide(
          contract.DecideDossierRequest.fromPartial({ dossierRef: dossierCode, outcome, summary: "Đồng ý 😀" }),
          metadata,
        ),
      () =>
        apply(
          contract.ApplyActionRequest.fromPartial({
            dossierRef: dossierCode,
            action: contract.DossierAction.DOSSIER_ACTION_DECIDE,
            outcome,
            summary: "Đồng ý 😀",
          }),
          metadata,
        ),
    ]) {
      const error = (await call().then(
        () => undefined,
        (failure: unknown) => failure as grpc.ServiceError,
      ))!;
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(readGrpcErrorDetails(error.metadata.get(grpcStatusDetailsKey)[0] as Buffer).violations).toEqual([
        { field: "summary", reason: "contains a character the result document cannot print: U+1F600" },
      ]);
      expect(error.details).not.toContain("Đồng ý");
    }
    expect((await routing.assignment(dossierCode)).status).toBe(4);
  });

  it("decides with a multi-paragraph summary, sent to signing in NFC", async () => {
    const { dossierId } = await accepted();
    const summary = "Đo\u0302\u0300ng y\u0301 ca\u0302\u0301p.\r\nĐiều 2. Lệ phí 50.000 ₫ – “đã nộp”.";
    const decided = await routing.act(dossierId, "decide", { outcome: "approved", summary });
    expect(decided.body.violations).toBeUndefined();
    expect(decided.status).toBe(200);
    const requested = await routing.waitForEvent(dossierId, "signatureRequested");
    expect(requested.summary).toBe(summary.normalize("NFC"));
    expect(requested.summary.startsWith("Đồng ý cấp.")).toBe(true);
  });

  it("refuses what a slip could not print: a refusal's reason, a missing item, an apology's reason", async () => {
    const submitted = await routing.submit();
    const refusal = await routing.act(submitted.dossierId, "refuse", { reason: "Sai thủ tục 👎" });
    expect(refusal.status).toBe(400);
    expect(refusal.body.violations).toEqual([
      { field: "reason", reason: "contains a character the slip cannot print: U+1F44E" },
    ]);
    const { dossierId } = await accepted();
    const supplement = await routing.act(dossierId, "request_supplement", { missingItems: ["Tờ khai", "Bản sao 同"] });
    expect(supplement.status).toBe(400);
    expect(supplement.body.violations).toEqual([
      { field: "missingItems.1", reason: "contains a character the slip cannot print: U+540C" },
    ]);
    const apology = await routing.act(dossierId, "apologize", {
      reason: "Chờ xác minh ⏳",
      newAppointmentAt: "2030-01-07T09:00:00+07:00",
    });
    expect(apology.status).toBe(400);
    expect(apology.body.violations).toEqual([
      { field: "reason", reason: "contains a character the slip cannot print: U+23F3" },
    ]);
    expect(routing.eventsOf(dossierId, "supplementRequested")).toHaveLength(0);
    expect(routing.eventsOf(dossierId, "apologyIssued")).toHaveLength(0);
  });

  it("keeps a reason that will not be printed when it is well-formed, and refuses one with a control character", async () => {
    const { dossierId } = await accepted();
    const refused = await routing.act(dossierId, "stop", { reason: "Chờ xác minh\u0000" });
    expect(refused.status).toBe(400);
    expect(refused.body.violations).toEqual([{ field: "reason", reason: "contains a control character: U+0000" }]);
    const stopped = await routing.act(dossierId, "stop", { reason: "Chờ xác minh hồ sơ 阮 (bản gốc)\nLần 2" });
    expect(stopped.status).toBe(200);
    expect(stopped.body.assignment.status).toBe(8);
  });
});
