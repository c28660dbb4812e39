import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { decodeEvent, routing as contract } from "@lienthong/contracts";
import {
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_ISSUER,
  DEVELOPMENT_OFFICIALS,
  PLATFORM_AUDIENCE,
  auditLog,
  createLogger,
  type DevelopmentOfficial,
} from "@lienthong/service-host";
import { rawUnary, waitFor } from "@lienthong/testing";
import { SignJWT, generateKeyPair, importJWK, type JWK } from "jose";
import { assignments } from "../src/store/collections";
import {
  FIRST_LAND_CERTIFICATE,
  MONDAY,
  MUONG_LAT,
  TAM_CHUNG,
  clientOf,
  grpcCall,
  startRouting,
  type Credentials,
  type Reply,
  type RoutingHarness,
} from "./support/routing-harness";

const { muongLat: muongLatSystem, tamChung: tamChungSystem, portal } = DEVELOPMENT_CLIENTS;
const {
  receivingOfficerMuongLat: receivingOfficer,
  leaderMuongLat: leader,
  receivingOfficerTamChung,
  leaderTamChung,
  leaderThanhHoaPolice,
  operator,
} = DEVELOPMENT_OFFICIALS;

/** The endpoints that may answer without a credential, and why (service-host: health probes). */
const DOCUMENTED_PUBLIC = [
  "GET /healthz",
  "GET /readyz",
  "GET /openapi.json",
  "GET /docs",
  "GET /docs/redoc.standalone.js",
];

const DECISION = { outcome: "approved", summary: "Đủ điều kiện" };
/** A dossier code of the right shape that names no dossier. */
const MISSING = `${MUONG_LAT}-251006-9999`;

/** A route template with every parameter filled in: the credential is the only thing missing. */
function pathOf(template: string, dossierCode: string): string {
  const values: Record<string, string> = {
    dossierRef: dossierCode,
    action: "decide",
    agencyCode: MUONG_LAT,
    unitCode: MUONG_LAT,
    traceId: "0af7651916cd43dd8448eb211c80319c",
  };
  return template.replace(/:(\w+)/g, (_match, name: string) => values[name] ?? "x");
}

/** The rejection of a gRPC call that must fail. */
async function refusal(call: Promise<unknown>): Promise<grpc.ServiceError> {
  return call.then(
    () => {
      throw new Error("the call succeeded");
    },
    (error: grpc.ServiceError) => error,
  );
}

/** A token's parts, decoded. */
function partsOf(token: string): { payload: Record<string, unknown> } {
  return { payload: JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("routing: every endpoint proves its caller, its tenancy and its role", () => {
  let routing: RoutingHarness;
  let client: InstanceType<typeof contract.RoutingServiceClient>;
  const logText: string[] = [];

  const applyAction = () =>
    grpcCall<contract.ApplyActionRequest, contract.ApplyActionResponse>((request, metadata, callback) =>
      client.applyAction(request, metadata, callback),
    );
  const decideDossier = () =>
    grpcCall<contract.DecideDossierRequest, contract.DecideDossierResponse>((request, metadata, callback) =>
      client.decideDossier(request, metadata, callback),
    );
  const getAssignment = () =>
    grpcCall<contract.GetAssignmentRequest, contract.GetAssignmentResponse>((request, metadata, callback) =>
      client.getAssignment(request, metadata, callback),
    );
  const listQueue = () =>
    grpcCall<contract.ListQueueRequest, contract.ListQueueResponse>((request, metadata, callback) =>
      client.listQueue(request, metadata, callback),
    );
  const getIndicators = () =>
    grpcCall<contract.GetIndicatorsRequest, contract.GetIndicatorsResponse>((request, metadata, callback) =>
      client.getIndicators(request, metadata, callback),
    );
  /** An official forwarded by their own commune system. */
  const forwarded = (official: DevelopmentOfficial): Credentials => ({ official, client: clientOf(official) });

  /** A Mường Lát marriage registration, accepted: at status 4 at Mường Lát's People's Committee. */
  async function acceptedAtMuongLat(): Promise<{ dossierId: string; dossierCode: string }> {
    const dossier = await routing.submit();
    expect((await routing.act(dossier.dossierId, "accept")).status).toBe(200);
    return dossier;
  }

  async function unchanged(dossierId: string, before: { version: number; status: number }): Promise<void> {
    expect(await routing.assignment(dossierId)).toMatchObject(before);
  }

  beforeAll(async () => {
    const destination = { write: (line: string) => void logText.push(line) };
    routing = await startRouting({}, MONDAY, {
      logger: createLogger({ service: "routing", level: "info", destination }),
    });
    client = new contract.RoutingServiceClient(
      `127.0.0.1:${routing.running.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
  });

  afterAll(async () => {
    client?.close();
    await routing?.stop();
  });

  describe("without a credential", () => {
    it("every REST route answers 401 UNAUTHENTICATED before reading a body, except the documented public ones", async () => {
      const { dossierCode } = await routing.submit();
      const routes = routing.runtime.routes();
      const named = routes.map(({ method, path }) => `${method} ${path}`);
      // The walk covers routing's own endpoints (a route registered outside `route` would not be listed at all).
      expect(named).toEqual(
        expect.arrayContaining([
          "GET /v1/dossiers/:dossierRef",
          "POST /v1/dossiers/:dossierRef/actions/:action",
          "POST /v1/dossiers/:dossierRef/decision",
          "GET /v1/queues/:agencyCode",
          "GET /v1/indicators/:unitCode",
          "GET /v1/indicators/:provinceCode/communes",
        ]),
      );
      expect(routes.filter(({ access }) => "public" in access).map(({ method, path }) => `${method} ${path}`)).toEqual(
        DOCUMENTED_PUBLIC,
      );
      for (const { method, path: template, access } of routes) {
        const response = await fetch(`${routing.running.httpUrl}${pathOf(template, dossierCode)}`, {
          method,
          // Not JSON: a route that read its body before authenticating would answer 400.
          ...(method === "POST" && { headers: { "content-type": "application/json" }, body: "{not json" }),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if ("public" in access) {
          expect({ route: `${method} ${template}`, status: response.status }).toEqual({
            route: `${method} ${template}`,
            status: 200,
          });
          continue;
        }
        expect({ route: `${method} ${template}`, status: response.status }).toEqual({
          route: `${method} ${template}`,
          status: 401,
        });
        expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
        expect((JSON.parse(text) as { code: string }).code).toBe("UNAUTHENTICATED");
      }
    });

    it("a route for officials refuses a commune system's key alone, and a route for commune systems a token alone", async () => {
      const { dossierCode } = await routing.submit();
      for (const { method, path: template, access } of routing.runtime.routes()) {
        const only: Credentials | undefined =
          "official" in access ? { client: muongLatSystem } : "client" in access ? { official: leader } : undefined;
        if (!only) continue;
        const reply = await routing.request(
          method,
          pathOf(template, dossierCode),
          method === "POST" ? {} : undefined,
          only,
        );
        expect({ route: `${method} ${template}`, status: reply.status, code: reply.body.code }).toEqual({
          route: `${method} ${template}`,
          status: 401,
          code: "UNAUTHENTICATED",
        });
      }
    });

    it("every gRPC method of every registered service answers UNAUTHENTICATED", async () => {
      const registrations = routing.runtime.grpcRegistrations();
      const methods = registrations.flatMap(({ definition }) => Object.values(definition));
      expect(methods.map((method) => method.path)).toEqual(
        expect.arrayContaining(Object.values(contract.RoutingServiceService).map((method) => method.path)),
      );
      // An empty message is a valid request of every type: only the credential is missing.
      for (const method of methods) {
        const answer = await rawUnary(`127.0.0.1:${routing.running.grpcPort}`, method.path, Buffer.alloc(0), {});
        expect({ method: method.path, status: answer.status }).toEqual({
          method: method.path,
          status: "UNAUTHENTICATED",
        });
      }
    });

    it("gRPC for officials refuses a key alone, and gRPC for commune systems a token alone", async () => {
      const keyAlone = await routing.metadata({ client: muongLatSystem });
      const tokenAlone = await routing.metadata({ official: leader });
      const refusals = await Promise.all([
        refusal(applyAction()(contract.ApplyActionRequest.fromPartial({ dossierRef: MISSING }), keyAlone)),
        refusal(decideDossier()(contract.DecideDossierRequest.fromPartial({ dossierRef: MISSING }), keyAlone)),
        refusal(getAssignment()(contract.GetAssignmentRequest.fromPartial({ dossierRef: MISSING }), tokenAlone)),
        refusal(listQueue()(contract.ListQueueRequest.fromPartial({ agencyCode: MUONG_LAT }), tokenAlone)),
        refusal(getIndicators()(contract.GetIndicatorsRequest.fromPartial({ unitCode: MUONG_LAT }), keyAlone)),
      ]);
      expect(refusals.map((error) => grpc.status[error.code])).toEqual(Array(5).fill("UNAUTHENTICATED"));
    });
  });

  describe("officials' tokens that do not verify are refused", () => {
    let dossier: { dossierId: string; dossierCode: string };
    let before: { version: number; status: number };
    const bad: Record<string, { token: () => Promise<string>; because: string }> = {};

    beforeAll(async () => {
      dossier = await acceptedAtMuongLat();
      await routing.setClock(routing.now());
      const { version, status } = await routing.assignment(dossier.dossierId);
      before = { version, status };

      // The development issuer's own key: the claims, not the signature, are what is wrong.
      const stored = JSON.parse(readFileSync(path.join(routing.identityDir, "development-issuer.json"), "utf8")) as {
        kid: string;
        privateJwk: JWK;
      };
      const issuerKey = await importJWK(stored.privateJwk, "ES256");
      const claims = (official: DevelopmentOfficial) => ({
        roles: [...official.roles],
        lienthong_units: [...official.unitCodes],
      });
      const signed = (options: {
        issuer?: string;
        audience?: string;
        kid?: string;
        key?: Parameters<SignJWT["sign"]>[0];
      }) =>
        new SignJWT(claims(leader))
          .setProtectedHeader({ alg: "ES256", kid: options.kid ?? stored.kid, typ: "JWT" })
          .setIssuer(options.issuer ?? DEVELOPMENT_ISSUER)
          .setAudience(options.audience ?? PLATFORM_AUDIENCE)
          .setSubject(leader.subject)
          .setIssuedAt()
          .setNotBefore("0s")
          .setExpirationTime("1h")
          .sign(options.key ?? issuerKey);
      const otherKey = (await generateKeyPair("ES256")).privateKey;
      const hour = 3600 * 1000;

      Object.assign(bad, {
        expired: {
          token: () => routing.issuer.sign(leader, { now: new Date(Date.now() - 2 * hour), ttlSeconds: 3600 }),
          because: "it has expired",
        },
        "not yet valid": {
          token: () => routing.issuer.sign(leader, { now: new Date(Date.now() + hour) }),
          because: "it is not valid yet",
        },
        "for another audience": {
          token: () => signed({ audience: "another-platform" }),
          because: "it is meant for another audience",
        },
        "from another issuer": {
          token: () => signed({ issuer: "https://idp.example.vn/realms/other" }),
          because: "it comes from another issuer",
        },
        'signed with alg "none"': {
          token: async () => {
            const { payload } = partsOf(await routing.issuer.sign(leader));
            return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(payload)}.`;
          },
          because: "it is signed with an algorithm this platform does not accept",
        },
        "under an unknown key id": {
          token: () => signed({ kid: "not-a-key-of-the-issuer", key: otherKey }),
          because: "no key of the identity provider matches it",
        },
        "signed by another key under the issuer's key id": {
          token: () => signed({ key: otherKey }),
          because: "its signature does not verify",
        },
        "tampered with (a receiving officer's token given the leader's role)": {
          token: async () => {
            const token = await routing.issuer.sign(receivingOfficer);
            const [header, , signature] = token.split(".");
            const { payload } = partsOf(token);
            return `${header}.${base64url({ ...payload, roles: ["leader"] })}.${signature}`;
          },
          because: "its signature does not verify",
        },
      });
    });

    const cases = [
      "expired",
      "not yet valid",
      "for another audience",
      "from another issuer",
      'signed with alg "none"',
      "under an unknown key id",
      "signed by another key under the issuer's key id",
      "tampered with (a receiving officer's token given the leader's role)",
    ];

    it.each(cases)("a token %s: REST 401 and gRPC UNAUTHENTICATED, saying why, and nothing happens", async (name) => {
      const { token, because } = bad[name]!;
      const bearer = `Bearer ${await token()}`;
      const response = await fetch(`${routing.running.httpUrl}/v1/dossiers/${dossier.dossierCode}/actions/decide`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": muongLatSystem.key, authorization: bearer },
        body: JSON.stringify(DECISION),
        signal: AbortSignal.timeout(10_000),
      });
      const problem = (await response.json()) as { code: string; detail: string };
      expect({ status: response.status, code: problem.code }).toEqual({ status: 401, code: "UNAUTHENTICATED" });
      expect(problem.detail).toContain(because);

      const metadata = new grpc.Metadata();
      metadata.set("x-api-key", muongLatSystem.key);
      metadata.set("authorization", bearer);
      const error = await refusal(
        applyAction()(
          contract.ApplyActionRequest.fromPartial({
            dossierRef: dossier.dossierCode,
            action: contract.DossierAction.DOSSIER_ACTION_DECIDE,
            outcome: 1,
            summary: DECISION.summary,
          }),
          metadata,
        ),
      );
      expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(error.details).toContain(because);
      await unchanged(dossier.dossierId, before);
    });

    it("the same request with the leader's valid token decides (the refusals were the tokens')", async () => {
      const reply = await routing.act(dossier.dossierCode, "decide", DECISION);
      expect(reply.status).toBe(200);
      await routing.waitForEvent(dossier.dossierId, "signatureRequested");
      // Only this decision was taken: none of the refused ones left an event behind.
      expect(routing.eventsOf(dossier.dossierId, "dossierDecided")).toHaveLength(1);
    });
  });

  describe("tenancy and roles", () => {
    it("a Tam Chung official on a Mường Lát dossier gets 404, exactly as for a missing dossier", async () => {
      const { dossierId, dossierCode } = await routing.submit();
      const { version, status } = await routing.assignment(dossierId);
      const foreign = await routing.act(dossierCode, "accept", {}, receivingOfficerTamChung);
      const byId = await routing.act(dossierId, "accept", {}, receivingOfficerTamChung);
      const missing = await routing.act(MISSING, "accept", {}, receivingOfficerTamChung);
      const shape = (reply: Reply, ref: string) => ({
        status: reply.status,
        code: reply.body.code,
        retriable: reply.body.retriable,
        detail: reply.body.detail.replace(ref, "<ref>"),
        details: { ...reply.body.details, ref: "<ref>" },
      });
      expect(shape(foreign, dossierCode)).toEqual(shape(missing, MISSING));
      expect(shape(byId, dossierId)).toEqual(shape(missing, MISSING));
      expect(foreign.status).toBe(404);
      expect(JSON.stringify(foreign.body)).not.toContain(dossierId);

      // Tam Chung's system reading it: the same 404.
      expect((await routing.get(`/v1/dossiers/${dossierCode}`, { client: tamChungSystem })).status).toBe(404);

      const tamChung = await routing.metadata(forwarded(receivingOfficerTamChung));
      const overGrpc = await Promise.all([
        refusal(
          applyAction()(
            contract.ApplyActionRequest.fromPartial({
              dossierRef: dossierCode,
              action: contract.DossierAction.DOSSIER_ACTION_ACCEPT,
            }),
            tamChung,
          ),
        ),
        refusal(getAssignment()(contract.GetAssignmentRequest.fromPartial({ dossierRef: dossierCode }), tamChung)),
        refusal(getAssignment()(contract.GetAssignmentRequest.fromPartial({ dossierRef: MISSING }), tamChung)),
      ]);
      expect(overGrpc.map((error) => grpc.status[error.code])).toEqual(["NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]);
      expect([overGrpc[1].details, overGrpc[2].details]).toEqual([
        `dossier ${dossierCode} was not found`,
        `dossier ${MISSING} was not found`,
      ]);
      await unchanged(dossierId, { version, status });
    });

    it("a receiving officer trying to decide gets 403 PERMISSION_DENIED naming the leader's role", async () => {
      const { dossierId, dossierCode } = await acceptedAtMuongLat();
      await routing.setClock(routing.now());
      const { version, status } = await routing.assignment(dossierId);
      const asOfficer = { official: receivingOfficer, client: muongLatSystem };

      const viaAction = await routing.act(dossierCode, "decide", DECISION, receivingOfficer);
      const viaDecision = await routing.request("POST", `/v1/dossiers/${dossierCode}/decision`, DECISION, asOfficer);
      for (const reply of [viaAction, viaDecision]) {
        expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 403, code: "PERMISSION_DENIED" });
        expect(reply.body.detail).toContain('"leader"');
        expect(reply.body.details).toEqual({ missingRole: "leader" });
      }

      const metadata = await routing.metadata(asOfficer);
      const overGrpc = await Promise.all([
        refusal(
          applyAction()(
            contract.ApplyActionRequest.fromPartial({
              dossierRef: dossierCode,
              action: contract.DossierAction.DOSSIER_ACTION_DECIDE,
              outcome: 1,
              summary: DECISION.summary,
            }),
            metadata,
          ),
        ),
        refusal(
          decideDossier()(
            contract.DecideDossierRequest.fromPartial({
              dossierRef: dossierCode,
              outcome: 1,
              summary: DECISION.summary,
            }),
            metadata,
          ),
        ),
      ]);
      for (const error of overGrpc) {
        expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
        expect(error.details).toContain('"leader"');
      }
      await unchanged(dossierId, { version, status });
      expect(routing.eventsOf(dossierId, "dossierDecided")).toHaveLength(0);
    });

    it("a leader of another authority cannot get a dossier decided: 404, and nothing is emitted", async () => {
      const { dossierId, dossierCode } = await acceptedAtMuongLat();
      await routing.setClock(routing.now());
      const { version, status } = await routing.assignment(dossierId);
      const asTamChung = forwarded(leaderTamChung);

      const viaAction = await routing.act(dossierCode, "decide", DECISION, leaderTamChung);
      const viaDecision = await routing.request("POST", `/v1/dossiers/${dossierCode}/decision`, DECISION, asTamChung);
      expect([viaAction.status, viaDecision.status]).toEqual([404, 404]);
      const metadata = await routing.metadata(asTamChung);
      const overGrpc = await Promise.all([
        refusal(
          applyAction()(
            contract.ApplyActionRequest.fromPartial({
              dossierRef: dossierCode,
              action: contract.DossierAction.DOSSIER_ACTION_DECIDE,
              outcome: 1,
              summary: DECISION.summary,
            }),
            metadata,
          ),
        ),
        refusal(
          decideDossier()(
            contract.DecideDossierRequest.fromPartial({
              dossierRef: dossierCode,
              outcome: 1,
              summary: DECISION.summary,
            }),
            metadata,
          ),
        ),
      ]);
      expect(overGrpc.map((error) => grpc.status[error.code])).toEqual(["NOT_FOUND", "NOT_FOUND"]);
      await unchanged(dossierId, { version, status });

      // Mường Lát's leader decides afterwards: the only decision and signature request are theirs.
      expect((await routing.act(dossierCode, "decide", DECISION)).status).toBe(200);
      const requested = await routing.waitForEvent(dossierId, "signatureRequested");
      expect(requested).toMatchObject({ officialId: leader.subject, competentAuthority: { code: MUONG_LAT } });
      expect(routing.eventsOf(dossierId, "dossierDecided")).toHaveLength(1);
      expect(routing.eventsOf(dossierId, "signatureRequested")).toHaveLength(1);
    });

    it("a dossier received at Mường Lát and decided at Tam Chung: Tam Chung's leader decides and signs, Mường Lát's cannot", async () => {
      const { dossierId, dossierCode } = await routing.submit({
        procedureCode: FIRST_LAND_CERTIFICATE,
        applicantCommuneCode: MUONG_LAT,
        landCommuneCode: TAM_CHUNG,
      });
      const accepted = await routing.act(dossierCode, "accept");
      expect(accepted.body.assignment).toMatchObject({ status: 4, competentAuthority: { code: TAM_CHUNG } });
      // Both tenants read it (boundary-free intake); a leader of the receiving unit does not decide it.
      expect((await routing.get(`/v1/dossiers/${dossierCode}`, { client: tamChungSystem })).status).toBe(200);
      expect((await routing.get(`/v1/dossiers/${dossierCode}`, forwarded(leader))).status).toBe(200);
      expect((await routing.act(dossierCode, "decide", DECISION, leader)).status).toBe(404);

      const decided = await routing.act(dossierCode, "decide", DECISION, leaderTamChung);
      expect(decided.status).toBe(200);
      const requested = await routing.waitForEvent(dossierId, "signatureRequested");
      expect(requested).toMatchObject({
        officialId: leaderTamChung.subject,
        competentAuthority: { code: TAM_CHUNG, name: "Ủy ban nhân dân xã Tam Chung" },
      });
      expect(routing.eventsOf(dossierId, "signatureRequested")).toHaveLength(1);
    });

    it("an officialId in a request body is ignored: the token's subject is what the dossier and its events record", async () => {
      const impostor = { officialId: "mao-danh" };
      const rest = await routing.submit();
      expect((await routing.act(rest.dossierId, "accept", impostor)).status).toBe(200);
      await routing.setClock(routing.now());
      expect((await routing.act(rest.dossierId, "decide", { ...impostor, ...DECISION })).status).toBe(200);

      const overGrpc = await routing.submit();
      await applyAction()(
        contract.ApplyActionRequest.fromPartial({
          dossierRef: overGrpc.dossierCode,
          action: contract.DossierAction.DOSSIER_ACTION_ACCEPT,
          officialId: impostor.officialId,
        }),
        await routing.metadata(forwarded(receivingOfficer)),
      );
      await routing.setClock(routing.now());
      await decideDossier()(
        contract.DecideDossierRequest.fromPartial({
          dossierRef: overGrpc.dossierCode,
          officialId: impostor.officialId,
          outcome: 1,
          summary: DECISION.summary,
        }),
        await routing.metadata(forwarded(leader)),
      );

      for (const { dossierId } of [rest, overGrpc]) {
        expect((await routing.waitForEvent(dossierId, "applicationAccepted")).officialId).toBe(
          receivingOfficer.subject,
        );
        expect((await routing.waitForEvent(dossierId, "dossierDecided")).officialId).toBe(leader.subject);
        expect((await routing.waitForEvent(dossierId, "signatureRequested")).officialId).toBe(leader.subject);
        const stored = (await routing.runtime.store.get(assignments, dossierId))!.data;
        expect({ acceptedBy: stored.acceptedBy, decidedBy: stored.decision?.officialId }).toEqual({
          acceptedBy: receivingOfficer.subject,
          decidedBy: leader.subject,
        });
        const published = routing.observed
          .filter((event) => event.key === dossierId)
          .map((event) => JSON.stringify(decodeEvent(event.type, event.data).payload));
        expect(published.join("\n")).not.toContain(impostor.officialId);
      }
    });

    it("a queue is read only for its agency: 403 naming the agency, for the system and for the official it forwards", async () => {
      const own = await routing.get(`/v1/queues/${MUONG_LAT}`, { client: muongLatSystem });
      expect(own.status).toBe(200);
      const otherSystem = await routing.get(`/v1/queues/${MUONG_LAT}`, { client: tamChungSystem });
      // The portal acts for Mường Lát, but the Tam Chung official it forwards does not.
      const otherOfficial = await routing.get(`/v1/queues/${MUONG_LAT}`, { client: portal, official: leaderTamChung });
      for (const reply of [otherSystem, otherOfficial]) {
        expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 403, code: "PERMISSION_DENIED" });
        expect(reply.body.detail).toContain(MUONG_LAT);
      }
      const error = await refusal(
        listQueue()(
          contract.ListQueueRequest.fromPartial({ agencyCode: MUONG_LAT }),
          await routing.metadata({ client: tamChungSystem }),
        ),
      );
      expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
    });

    it("an operator reads any dossier of its own province over /ops, acting on none; another province's gets 404", async () => {
      const { dossierId, dossierCode } = await acceptedAtMuongLat();
      const asOperator = await routing.get(`/ops/dossiers/${dossierCode}`, { official: operator });
      expect(asOperator.status).toBe(200);
      expect(asOperator.body).toMatchObject({ assignment: { dossierId, dossierCode, status: 4 } });
      const hanoiOperator: DevelopmentOfficial = { ...operator, subject: "van-hanh-ha-noi", unitCodes: ["01"] };
      const elsewhere = await routing.get(`/ops/dossiers/${dossierCode}`, { official: hanoiOperator });
      const missing = await routing.get(`/ops/dossiers/${MISSING}`, { official: operator });
      for (const reply of [elsewhere, missing]) {
        expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 404, code: "NOT_FOUND" });
      }
      // Officials of the dossier's own unit use their commune system's route: /ops is province IT's.
      expect((await routing.get(`/ops/dossiers/${dossierCode}`, { official: leader })).status).toBe(403);

      // The queues of its province's communes and agencies, too; another province's operator is refused.
      const queue = await routing.get(`/ops/queues/${MUONG_LAT}`, { official: operator });
      expect(queue.status).toBe(200);
      expect((queue.body.assignments as { dossierCode: string }[]).map((entry) => entry.dossierCode)).toContain(
        dossierCode,
      );
      expect((await routing.get("/ops/queues/38.CA", { official: operator })).status).toBe(200);
      const refused = await routing.get(`/ops/queues/${MUONG_LAT}`, { official: hanoiOperator });
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: "PERMISSION_DENIED" });
      // An operator's token forwarded by a commune system reads only that system's own queues.
      const forwardedOperator = await routing.get(`/v1/queues/${TAM_CHUNG}`, {
        official: operator,
        client: muongLatSystem,
      });
      expect(forwardedOperator.status).toBe(403);
    });

    it("indicators are read by the unit's officials and at its province's level, by no other commune", async () => {
      const range = "from=2025-10-01&to=2025-10-31";
      const read = (unit: string, official: DevelopmentOfficial) =>
        routing.get(`/v1/indicators/${unit}?${range}`, { official });
      expect((await read(MUONG_LAT, leader)).status).toBe(200);
      // Province-level: the province's operator, and a provincial agency of the same province.
      expect((await read(MUONG_LAT, operator)).status).toBe(200);
      expect((await read("38", operator)).status).toBe(200);
      expect((await read(MUONG_LAT, leaderThanhHoaPolice)).status).toBe(200);
      const otherCommune = await read(MUONG_LAT, leaderTamChung);
      const communeForProvince = await read("38", leader);
      for (const reply of [otherCommune, communeForProvince]) {
        expect({ status: reply.status, code: reply.body.code }).toEqual({ status: 403, code: "PERMISSION_DENIED" });
      }
      const error = await refusal(
        getIndicators()(
          contract.GetIndicatorsRequest.fromPartial({
            unitCode: MUONG_LAT,
            fromDate: "2025-10-01",
            toDate: "2025-10-31",
          }),
          await routing.metadata({ official: leaderTamChung }),
        ),
      );
      expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
    });
  });

  describe("audit", () => {
    it("records tenancy decisions and applied actions with ids, and no credential reaches a log line", async () => {
      const { dossierId, dossierCode } = await routing.submit();
      expect((await routing.act(dossierCode, "accept", {}, receivingOfficerTamChung)).status).toBe(404);
      expect((await routing.act(dossierCode, "accept")).status).toBe(200);
      const entries = async () =>
        (await routing.runtime.store.find(auditLog, {}))
          .map(({ data }) => data)
          .filter((entry) => entry.target === dossierId)
          .map(({ action, outcome, clientId, officialId }) => ({ action, outcome, clientId, officialId }));
      // Access decisions are buffered and committed within the host's flush interval; the action with its change.
      // Reads of the dossier are audited too, so wait for the three entries themselves, not for any three.
      const accepts = async () => (await entries()).filter((entry) => entry.action === "accept");
      await waitFor(async () => new Set((await accepts()).map((entry) => entry.outcome)).size >= 3, {
        description: "the refusal, the permission and the accept action in the audit log",
      });
      expect(await accepts()).toEqual(
        expect.arrayContaining([
          {
            action: "accept",
            outcome: "denied",
            clientId: tamChungSystem.clientId,
            officialId: receivingOfficerTamChung.subject,
          },
          {
            action: "accept",
            outcome: "allowed",
            clientId: muongLatSystem.clientId,
            officialId: receivingOfficer.subject,
          },
          {
            action: "accept",
            outcome: "done",
            clientId: muongLatSystem.clientId,
            officialId: receivingOfficer.subject,
          },
        ]),
      );

      const logs = logText.join("");
      expect(logs).not.toMatch(/Bearer|eyJ/);
      for (const system of Object.values(DEVELOPMENT_CLIENTS)) expect(logs).not.toContain(system.key);
    });
  });
});
