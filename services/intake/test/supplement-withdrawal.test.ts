import { createHash } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { EventTypes, decodeEvent, intake } from "@lienthong/contracts";
import { waitFor } from "@lienthong/testing";
import {
  call,
  clients,
  grpcError,
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

const scan = Buffer.from("%PDF-1.7 giấy xác nhận tình trạng hôn nhân");
const scanSha256 = createHash("sha256").update(scan).digest("hex");

describe("supplements and withdrawal", () => {
  let harness: IntakeHarness;
  let client: intake.IntakeServiceClient;

  beforeAll(async () => {
    // One partition: an event seen on the intake topic proves every earlier one was published.
    harness = await startIntake({ partitions: 1 });
    client = intakeClient(harness);
  });

  afterAll(async () => {
    client?.close();
    await harness?.stop();
  });

  const post = (
    dossierCode: string,
    action: "supplement" | "withdrawal",
    body: Record<string, unknown>,
    apiKey: string = clients.muongLat.key,
  ) => call(harness.running.httpUrl, "POST", `/v1/applications/${dossierCode}/${action}`, { body, apiKey });

  const eventsOf = (dossierId: string, type: string) =>
    harness.observed.filter((event) => event.key === dossierId && event.type === type);

  async function atStatus(
    application: ApplicationBody,
    status: number,
    name: "supplementRequested" | "dossierRouted",
  ): Promise<void> {
    await publishRoutingEvent(harness, name, {
      dossierId: application.dossierId,
      dossierCode: application.dossierCode,
      status,
    });
    await waitForRecord(harness, application.dossierId, (record) => record.status === status, `status ${status}`);
  }

  const supplement = {
    providedItems: ["Giấy xác nhận tình trạng hôn nhân"],
    attachments: [{ name: "xac-nhan.pdf", mediaType: "application/pdf", contentBase64: scan.toString("base64") }],
  };

  test("a supplement before status 5 is refused with 409 naming the status, and nothing is emitted", async () => {
    const application = await submitValid(harness);
    const reply = await post(application.dossierCode, "supplement", supplement);
    expect(reply.status).toBe(409);
    const problem = reply.body as { code: string; detail: string; details: { status: number } };
    expect(problem.code).toBe("FAILED_PRECONDITION");
    expect(problem.detail).toContain("status 1");
    expect(problem.details.status).toBe(1);
    expect(eventsOf(application.dossierId, EventTypes.supplementProvided.type)).toEqual([]);
  });

  test("at status 5 the supplement is stored and SupplementProvided carries the attachment metadata; a second one is refused", async () => {
    const application = await submitValid(harness);
    await atStatus(application, 4, "dossierRouted");
    await atStatus(application, 5, "supplementRequested");

    const reply = await post(application.dossierCode, "supplement", {
      ...supplement,
      formFields: { husbandFullName: "Hà Văn Minh Đức" },
    });
    expect(reply.status).toBe(200);
    expect((reply.body as { application: ApplicationBody }).application.attachments).toEqual([
      { name: "xac-nhan.pdf", mediaType: "application/pdf", sizeBytes: scan.byteLength, sha256: scanSha256 },
    ]);
    await waitFor(() => eventsOf(application.dossierId, EventTypes.supplementProvided.type).length === 1, {
      description: "SupplementProvided",
      timeoutMs: 15_000,
    });
    const [event] = eventsOf(application.dossierId, EventTypes.supplementProvided.type);
    expect(decodeEvent(event!.type, event!.data)).toMatchObject({
      name: "supplementProvided",
      payload: {
        dossierCode: application.dossierCode,
        providedItems: ["Giấy xác nhận tình trạng hôn nhân"],
        attachments: [
          { name: "xac-nhan.pdf", mediaType: "application/pdf", sizeBytes: scan.byteLength, sha256: scanSha256 },
        ],
      },
    });
    const stored = await waitForRecord(
      harness,
      application.dossierId,
      (record) => record.formFields.husbandFullName === "Hà Văn Minh Đức",
      "merged form",
    );
    expect(stored.formFields.wifeCitizenId).toBeDefined();

    const again = await post(application.dossierCode, "supplement", supplement);
    expect(again.status).toBe(409);
    expect((again.body as { detail: string }).detail).toContain("already provided");
  });

  test("a supplement whose form fields break the procedure's form is a 400 naming the field", async () => {
    const application = await submitValid(harness);
    await atStatus(application, 4, "dossierRouted");
    await atStatus(application, 5, "supplementRequested");
    const reply = await post(application.dossierCode, "supplement", { formFields: { husbandCitizenId: "12" } });
    expect(reply.status).toBe(400);
    expect((reply.body as { violations: { field: string }[] }).violations.map((v) => v.field)).toEqual([
      "formFields.husbandCitizenId",
    ]);
  });

  test("over gRPC, ProvideSupplement at status 5 succeeds and another tenant gets NOT_FOUND", async () => {
    const application = await submitValid(harness);
    await atStatus(application, 4, "dossierRouted");
    await atStatus(application, 5, "supplementRequested");
    const request = intake.ProvideSupplementRequest.fromPartial({
      dossierRef: application.dossierCode,
      attachments: [{ name: "xac-nhan.pdf", mediaType: "application/pdf", content: scan }],
    });
    const foreign = await grpcError(
      unaryCall(client.provideSupplement.bind(client), request, withApiKey(clients.tamChung.key)),
    );
    expect(foreign.code).toBe(grpc.status.NOT_FOUND);
    const response = await unaryCall(client.provideSupplement.bind(client), request, withApiKey());
    expect(response.application?.attachments).toEqual([
      { name: "xac-nhan.pdf", mediaType: "application/pdf", sizeBytes: scan.byteLength, sha256: scanSha256 },
    ]);
  });

  test("withdrawal at status 1 emits WithdrawalRequested once (a repeat is a no-op); routing's DossierWithdrawn makes it 7", async () => {
    const application = await submitValid(harness);
    const first = await post(application.dossierCode, "withdrawal", { reason: "Hai bên đổi ngày đăng ký" });
    const repeat = await post(application.dossierCode, "withdrawal", { reason: "Hai bên đổi ngày đăng ký" });
    expect([first.status, repeat.status]).toEqual([202, 202]);
    const requestedAt = (first.body as { withdrawalRequestedAt: string }).withdrawalRequestedAt;
    expect((repeat.body as { withdrawalRequestedAt: string }).withdrawalRequestedAt).toBe(requestedAt);

    await waitFor(() => eventsOf(application.dossierId, EventTypes.withdrawalRequested.type).length > 0, {
      description: "WithdrawalRequested",
      timeoutMs: 15_000,
    });
    const [event] = eventsOf(application.dossierId, EventTypes.withdrawalRequested.type);
    expect(decodeEvent(event!.type, event!.data)).toMatchObject({
      name: "withdrawalRequested",
      payload: { dossierCode: application.dossierCode, reason: "Hai bên đổi ngày đăng ký", requestedAt },
    });

    // A later submission's event: a second request from the repeat would have been published before it.
    const marker = await submitValid(harness);
    await waitFor(() => eventsOf(marker.dossierId, EventTypes.applicationSubmitted.type).length > 0, {
      description: "the marker's event",
      timeoutMs: 15_000,
    });
    expect(eventsOf(application.dossierId, EventTypes.withdrawalRequested.type)).toHaveLength(1);

    await publishRoutingEvent(harness, "dossierWithdrawn", {
      dossierId: application.dossierId,
      dossierCode: application.dossierCode,
      status: 7,
    });
    await waitForRecord(harness, application.dossierId, (record) => record.status === 7, "status 7");
    const read = await call(harness.running.httpUrl, "GET", `/v1/applications/${application.dossierCode}`);
    expect((read.body as { application: ApplicationBody }).application.status).toBe(7);
  });

  test("withdrawal at status 2 (not allowed by the workflow) is 409 naming the status; without a reason it is 400", async () => {
    const application = await submitValid(harness);
    await atStatus(application, 2, "dossierRouted");
    const reply = await post(application.dossierCode, "withdrawal", { reason: "Không còn nhu cầu" });
    expect(reply.status).toBe(409);
    const problem = reply.body as { detail: string; details: { status: number } };
    expect(problem.detail).toContain("status 2");
    expect(problem.details).toEqual({ status: 2 });

    const noReason = await post(application.dossierCode, "withdrawal", {});
    expect(noReason.status).toBe(400);
    expect((noReason.body as { violations: { field: string }[] }).violations.map((v) => v.field)).toEqual(["reason"]);
    expect(eventsOf(application.dossierId, EventTypes.withdrawalRequested.type)).toEqual([]);
  });

  test("over gRPC, WithdrawApplication at status 5 is accepted; a supplement after it is refused", async () => {
    const application = await submitValid(harness);
    await atStatus(application, 4, "dossierRouted");
    await atStatus(application, 5, "supplementRequested");
    await unaryCall(
      client.withdrawApplication.bind(client),
      intake.WithdrawApplicationRequest.fromPartial({
        dossierRef: application.dossierCode,
        reason: "Không còn nhu cầu",
      }),
      withApiKey(),
    );
    const reply = await post(application.dossierCode, "supplement", supplement);
    expect(reply.status).toBe(409);
    expect((reply.body as { detail: string }).detail).toContain("withdrawal");
  });
});
