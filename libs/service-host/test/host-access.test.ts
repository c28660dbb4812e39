/**
 * Access to a service started through the host, with its real identities
 * (the development clients and issuer), its rate limiter and its audit log:
 * what a commune system sees when it calls too often or forwards a bad
 * token, and what the auditor reads afterwards.
 */
import * as grpc from "@grpc/grpc-js";
import { intake, rpc } from "@lienthong/contracts";
import { InProcessBroker } from "@lienthong/messaging";
import {
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  ServiceHost,
  grpcStatusDetailsKey,
  loadConfig,
  openDevelopmentIssuer,
  serviceEnv,
  unary,
  withDeadline,
  auditLog,
  type AuditContent,
  type Problem,
} from "@lienthong/service-host";
import { tempDir, type TempDir } from "@lienthong/testing";

const REQUESTS_PER_MINUTE = 5;
/** The host's clock stands still at 15 s past a minute: a rate window never turns, and 45 s are left of it. */
const NOW = new Date("2026-07-01T08:00:15.000Z");
const dossierCode = "000.00.06.H56-231027-0361";
const { getApplication, submitApplication } = intake.IntakeServiceService;

describe("access to a service started through the host", () => {
  let directory: TempDir;
  let broker: InProcessBroker;
  let host: ServiceHost;
  let url: string;
  let client: InstanceType<typeof intake.IntakeServiceClient>;

  beforeAll(async () => {
    directory = await tempDir("service-host-access");
    const env = loadConfig(serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }), {
      DATA_DIR: directory.path,
      IDENTITY_DIR: `${directory.path}/identity`,
      HTTP_HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      CLIENT_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
    });
    broker = new InProcessBroker();
    host = await ServiceHost.open(
      { service: "intake", env, collections: [] },
      { broker, ports: { http: 0, grpc: 0, ops: 0 }, clock: () => NOW },
    );
    host.http.route({
      method: "get",
      path: "/v1/applications/:dossierRef",
      access: { client: true },
      handle: async (request, response) => {
        response.json({ dossierRef: request.params.dossierRef });
      },
    });
    host.http.route({
      method: "post",
      path: "/v1/applications/:dossierRef/decision",
      access: { official: ["leader"] },
      handle: async (_request, response) => {
        response.status(204).end();
      },
    });
    host.serveGrpc({
      definition: { getApplication, submitApplication },
      implementation: {
        getApplication: unary({ client: true }, async () => ({ application: undefined })),
        submitApplication: unary({ official: ["receiving_officer"] }, async () => ({ application: undefined })),
      },
    });
    const running = await host.start();
    url = running.httpUrl;
    client = new intake.IntakeServiceClient(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await host?.stop();
    await broker?.close();
    await directory?.remove();
  });

  function get(path: string, headers: Record<string, string>): Promise<Response> {
    return fetch(`${url}${path}`, { headers });
  }

  function callGrpc(
    method: "getApplication" | "submitApplication",
    headers: Record<string, string>,
  ): Promise<grpc.ServiceError | null> {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
    return new Promise((resolve) => {
      const done = (error: grpc.ServiceError | null) => resolve(error);
      if (method === "getApplication") {
        client.getApplication({ dossierRef: dossierCode }, metadata, withDeadline(2_000), done);
      } else {
        client.submitApplication(
          intake.SubmitApplicationRequest.fromPartial({ idempotencyKey: "k-1" }),
          metadata,
          withDeadline(2_000),
          done,
        );
      }
    });
  }

  /** Commits and seals every decision made so far; the sequence number of the last. */
  async function sealedSoFar(): Promise<number> {
    await host.audit.flush();
    while ((await host.store.find(auditLog, { where: { sealed: false }, limit: 1 })).length > 0) {
      await host.audit.seal();
    }
    return (await host.audit.head()).seq;
  }

  /** The access decisions sealed into the audit log since `afterSeq`, once `count` of them are. */
  async function sealedDecisions(afterSeq: number, count: number): Promise<AuditContent[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const entries = await host.audit.sealedAfter(afterSeq, 1000);
      if (entries.length >= count) return entries;
      if (Date.now() > deadline) throw new Error(`${entries.length} of ${count} audit entries sealed within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("answers 429 with Retry-After once a client has made its requests of the minute, and only to that client", async () => {
    const tamChung = { "x-api-key": DEVELOPMENT_CLIENTS.tamChung.key };
    for (let request = 0; request < REQUESTS_PER_MINUTE; request += 1) {
      expect((await get(`/v1/applications/${dossierCode}`, tamChung)).status).toBe(200);
    }
    const limited = await get(`/v1/applications/${dossierCode}`, tamChung);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("45");
    expect(limited.headers.get("content-type")).toContain("application/problem+json");
    expect((await limited.json()) as Problem).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      reason: "CLIENT_RATE_LIMITED",
      retriable: true,
      details: { retryAfterSeconds: 45, limitPerMinute: REQUESTS_PER_MINUTE },
    });
    // Another commune system is counted on its own.
    const muongLat = { "x-api-key": DEVELOPMENT_CLIENTS.muongLat.key };
    expect((await get(`/v1/applications/${dossierCode}`, muongLat)).status).toBe(200);
  });

  it("answers RESOURCE_EXHAUSTED with a RetryInfo over gRPC once a client has made its calls of the minute", async () => {
    const police = { "x-api-key": DEVELOPMENT_CLIENTS.thanhHoaPolice.key };
    for (let call = 0; call < REQUESTS_PER_MINUTE; call += 1) {
      expect(await callGrpc("getApplication", police)).toBeNull();
    }
    const limited = await callGrpc("getApplication", police);
    expect(limited?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const status = rpc.Status.decode(limited?.metadata.get(grpcStatusDetailsKey)[0] as Buffer);
    const retryInfo = status.details.find((detail) => detail.typeUrl.endsWith("/google.rpc.RetryInfo"));
    expect(retryInfo && rpc.RetryInfo.decode(retryInfo.value)).toEqual({ retryDelay: { seconds: 45, nanos: 0 } });
    const errorInfo = status.details.find((detail) => detail.typeUrl.endsWith("/google.rpc.ErrorInfo"));
    expect(errorInfo && rpc.ErrorInfo.decode(errorInfo.value).metadata).toMatchObject({
      reason: "CLIENT_RATE_LIMITED",
      retriable: "true",
    });
  });

  it("audits a refused official's token naming the client whose key verified, over REST and gRPC, and REST targets", async () => {
    const issuer = await openDevelopmentIssuer(`${directory.path}/identity`);
    const expired = await issuer.sign(DEVELOPMENT_OFFICIALS.leaderMuongLat, {
      now: new Date(Date.now() - 3_600_000),
      ttlSeconds: 60,
    });
    const portal = { "x-api-key": DEVELOPMENT_CLIENTS.portal.key };
    const forwardingExpired = { ...portal, authorization: `Bearer ${expired}` };
    const afterSeq = await sealedSoFar();

    const refusedRest = await fetch(`${url}/v1/applications/${dossierCode}/decision`, {
      method: "POST",
      headers: forwardingExpired,
    });
    expect(refusedRest.status).toBe(401);
    expect((await callGrpc("submitApplication", forwardingExpired))?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await get(`/v1/applications/${dossierCode}`, portal)).status).toBe(200);
    expect(await callGrpc("getApplication", portal)).toBeNull();

    const decisions = await sealedDecisions(afterSeq, 4);
    expect(
      decisions.map(({ action, outcome, target, clientId, officialId, reason }) => ({
        action,
        outcome,
        target,
        clientId,
        officialId,
        reason,
      })),
    ).toEqual([
      {
        action: "POST /v1/applications/:dossierRef/decision",
        outcome: "denied",
        target: dossierCode,
        clientId: "portal",
        officialId: "",
        reason: "UNAUTHENTICATED",
      },
      {
        action: submitApplication.path,
        outcome: "denied",
        target: "",
        clientId: "portal",
        officialId: "",
        reason: "UNAUTHENTICATED",
      },
      {
        action: "GET /v1/applications/:dossierRef",
        outcome: "allowed",
        target: dossierCode,
        clientId: "portal",
        officialId: "",
        reason: "",
      },
      // Over gRPC the dossier is in the message: the use case, which reads it, records the target.
      { action: getApplication.path, outcome: "allowed", target: "", clientId: "portal", officialId: "", reason: "" },
    ]);
  });
});
