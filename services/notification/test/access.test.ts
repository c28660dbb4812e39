import { readFileSync } from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { common, notification } from "@lienthong/contracts";
import { DEVELOPMENT_OFFICIALS } from "@lienthong/service-host";
import { rawUnary, waitFor } from "@lienthong/testing";
import { SignJWT, generateKeyPair, importJWK, type JWK } from "jose";
import {
  EFFECT_TIMEOUT_MS,
  MUONG_LAT,
  PROVINCIAL_POLICE,
  TAM_CHUNG,
  TAM_CHUNG_CLIENT,
  startNotification,
  type Credentials,
  type Dossier,
  type NotificationHarness,
  type RestReply,
} from "./support/notification-harness";

const { operator, auditor, leaderMuongLat } = DEVELOPMENT_OFFICIALS;
/** The host's public routes: probes and the API documents (docs/decisions.md §38). */
/** The gateways' receipts are public to the host: their own signature authenticates them (test/phone-channels.test.ts). */
const PUBLIC = [
  "/docs",
  "/docs/redoc.standalone.js",
  "/healthz",
  "/openapi.json",
  "/readyz",
  "/v1/delivery-receipts/mail",
  "/v1/delivery-receipts/sms",
  "/v1/delivery-receipts/zns",
];

/** A problem+json answer's stable parts (the detail names the reference asked for). */
function problemOf(reply: RestReply): { status: number; code: string; title: string; retriable: boolean } {
  const { code, title, retriable } = reply.body as { code: string; title: string; retriable: boolean };
  return { status: reply.status, code, title, retriable };
}

/** The gRPC status and message a call ended with. */
async function grpcFailure(call: Promise<unknown>): Promise<{ code: grpc.status; details: string }> {
  try {
    await call;
  } catch (error) {
    const { code, details } = error as grpc.ServiceError;
    return { code, details };
  }
  throw new Error("the call succeeded");
}

/** Officials' tokens that must all be refused: each wrong in one way, signed (or not) as an attacker could. */
async function badTokens(harness: NotificationHarness): Promise<Record<string, string>> {
  const stored = JSON.parse(readFileSync(path.join(harness.identityDir, "development-issuer.json"), "utf8")) as {
    kid: string;
    privateJwk: JWK;
  };
  const issuerKey = await importJWK(stored.privateJwk, "ES256");
  const now = Math.floor(Date.now() / 1000);
  const claims = (overrides: { iss?: string; aud?: string } = {}) =>
    new SignJWT({ roles: ["operator"], lienthong_units: ["38"] })
      .setProtectedHeader({ alg: "ES256", kid: stored.kid, typ: "JWT" })
      .setIssuer(overrides.iss ?? "urn:lienthong:development-issuer")
      .setAudience(overrides.aud ?? "lienthong")
      .setSubject(operator.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + 600);
  const stranger = await generateKeyPair("ES256");
  const valid = await harness.token(leaderMuongLat);
  const [header, , signature] = valid.split(".");
  const escalated = Buffer.from(
    JSON.stringify({ ...decodePayload(valid), roles: ["operator"], sub: operator.subject }),
  ).toString("base64url");
  const unsigned = (payload: object) =>
    `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.`;
  return {
    expired: await harness.issuer.sign(operator, { now: new Date(Date.now() - 10 * 3_600_000), ttlSeconds: 3_600 }),
    "for another audience": await claims({ aud: "another-platform" }).sign(issuerKey),
    "from another issuer": await claims({ iss: "https://idp.example.org" }).sign(issuerKey),
    "unsigned (alg none)": unsigned({ ...decodePayload(valid), roles: ["operator"] }),
    "signed with an unknown key": await new SignJWT({ roles: ["operator"], lienthong_units: ["38"] })
      .setProtectedHeader({ alg: "ES256", kid: "unknown-kid", typ: "JWT" })
      .setIssuer("urn:lienthong:development-issuer")
      .setAudience("lienthong")
      .setSubject(operator.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(stranger.privateKey),
    "tampered (a leader's token made an operator's)": `${header}.${escalated}.${signature}`,
  };
}

function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("notification: who may list a dossier's deliveries (REST and gRPC)", () => {
  let harness: NotificationHarness;
  /** Received at Mường Lát by its commune system. */
  let muongLatDossier: Dossier;
  /** Received at Tam Chung by its commune system. */
  let tamChungDossier: Dossier;
  let tokens: { operator: string; auditor: string; leaderMuongLat: string };

  beforeAll(async () => {
    harness = await startNotification();
    tokens = {
      operator: await harness.token(operator),
      auditor: await harness.token(auditor),
      leaderMuongLat: await harness.token(leaderMuongLat),
    };
    muongLatDossier = await harness.submit();
    tamChungDossier = await harness.submit({ clientId: TAM_CHUNG_CLIENT });
    for (const dossier of [muongLatDossier, tamChungDossier]) {
      await harness.waitForDeliveries(
        dossier.dossierCode,
        (listed) => listed.length === 1 && listed[0]!.stateName === "delivered",
        `the submission webhook of ${dossier.dossierCode} delivered`,
      );
    }
  }, 2 * EFFECT_TIMEOUT_MS);

  afterAll(async () => {
    await harness?.stop();
  });

  const key = (name: "muongLat" | "tamChung" | "provincialPolice" | "operationsConsole"): Credentials => ({
    apiKey: harness.keys[name],
  });

  describe("without a valid credential: 401 / UNAUTHENTICATED", () => {
    test("every REST route but the probes, as the registry lists them", async () => {
      const routes = harness.runtime.routes();
      expect(routes).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            method: "GET",
            path: "/v1/dossiers/:dossierRef/deliveries",
            access: { client: true },
          }),
          ...[
            ["GET", "/ops/dossiers/:dossierRef/deliveries"],
            ["POST", "/ops/deliveries/:notificationId/resend"],
            ["GET", "/ops/webhook-endpoints"],
            ["POST", "/ops/webhook-endpoints/:endpointId/redrive"],
            ["GET", "/ops/parked-events"],
          ].map(([method, path]): unknown =>
            expect.objectContaining({ method, path, access: { staff: ["operator"] } }),
          ),
        ]),
      );
      // Nothing of notification is public: only the host's probes and documents are.
      expect(
        routes
          .filter((route) => "public" in route.access)
          .map((route) => route.path)
          .sort(),
      ).toEqual(PUBLIC);

      const guarded = routes.filter((route) => !PUBLIC.includes(route.path));
      expect(guarded.length).toBeGreaterThanOrEqual(3);
      for (const route of guarded) {
        const url = harness.running.httpUrl + route.path.replace(/:[A-Za-z]+/g, muongLatDossier.dossierCode);
        const response = await fetch(url, { method: route.method, signal: AbortSignal.timeout(10_000) });
        const body = (await response.json()) as { code: string };
        expect({ route: `${route.method} ${route.path}`, status: response.status, code: body.code }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 401,
          code: "UNAUTHENTICATED",
        });
      }
    });

    test("every gRPC method of NotificationService, as its definition lists them", async () => {
      const methods = Object.values(notification.NotificationServiceService);
      expect(methods.length).toBeGreaterThan(0);
      // An empty message is a valid request of every type: only the credential is missing.
      for (const method of methods) {
        const answer = await rawUnary(`127.0.0.1:${harness.running.grpcPort}`, method.path, Buffer.alloc(0), {});
        expect({ method: method.path, status: answer.status }).toEqual({
          method: method.path,
          status: "UNAUTHENTICATED",
        });
      }
    });

    test("an unknown API key", async () => {
      const unknown = { apiKey: "ltk.unknownkey.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
      expect(problemOf(await harness.listOverRest(muongLatDossier.dossierCode, unknown))).toMatchObject({
        status: 401,
        code: "UNAUTHENTICATED",
      });
      expect((await grpcFailure(harness.grpcDeliveries(muongLatDossier.dossierCode, unknown))).code).toBe(
        grpc.status.UNAUTHENTICATED,
      );
    });

    test("officials' tokens that do not verify: expired, another audience or issuer, unsigned, unknown key, tampered", async () => {
      const refused = await badTokens(harness);
      expect(Object.keys(refused)).toHaveLength(6);
      for (const [name, token] of Object.entries(refused)) {
        const reply = await harness.listOverRest(muongLatDossier.dossierCode, { token });
        expect({ token: name, ...problemOf(reply) }).toMatchObject({
          token: name,
          status: 401,
          code: "UNAUTHENTICATED",
        });
        expect(reply.text).not.toContain(token);
        const failure = await grpcFailure(harness.grpcDeliveries(muongLatDossier.dossierCode, { token }));
        expect({ token: name, code: failure.code }).toEqual({ token: name, code: grpc.status.UNAUTHENTICATED });
      }
      // On the operators' route too, and with a valid key beside them.
      for (const token of Object.values(refused)) {
        expect((await harness.listOverRest(muongLatDossier.dossierCode, { token }, "operators")).status).toBe(401);
        expect((await harness.listOverRest(muongLatDossier.dossierCode, { ...key("muongLat"), token })).status).toBe(
          401,
        );
      }
      // The control: the same issuer's genuine operator token is accepted.
      expect(
        (await harness.listOverRest(muongLatDossier.dossierCode, { token: tokens.operator }, "operators")).status,
      ).toBe(200);
    });
  });

  describe("commune systems: the dossiers they received or are competent for", () => {
    test("another commune's key gets 404 / NOT_FOUND, exactly as for a dossier notification never heard of", async () => {
      const foreignByCode = await harness.listOverRest(muongLatDossier.dossierCode, key("tamChung"));
      const foreignById = await harness.listOverRest(muongLatDossier.dossierId, key("tamChung"));
      const missing = await harness.listOverRest(`${MUONG_LAT}-261207-9999`, key("tamChung"));
      expect(problemOf(foreignByCode)).toEqual(problemOf(missing));
      expect(problemOf(foreignById)).toEqual(problemOf(missing));
      expect(problemOf(missing)).toMatchObject({ status: 404, code: "NOT_FOUND" });
      expect(foreignByCode.text).not.toContain(muongLatDossier.dossierId);

      const overGrpc = await grpcFailure(harness.grpcDeliveries(muongLatDossier.dossierCode, key("tamChung")));
      const missingOverGrpc = await grpcFailure(
        harness.grpcDeliveries("00000000-0000-4000-8000-000000000000", key("tamChung")),
      );
      expect(overGrpc.code).toBe(grpc.status.NOT_FOUND);
      expect(missingOverGrpc.code).toBe(grpc.status.NOT_FOUND);
      // And the other way round.
      expect((await harness.listOverRest(tamChungDossier.dossierCode, key("muongLat"))).status).toBe(404);
    });

    test("each receiving unit's commune system lists its own dossier's deliveries, over REST and gRPC", async () => {
      for (const [dossier, credentials] of [
        [muongLatDossier, key("muongLat")],
        [tamChungDossier, key("tamChung")],
      ] as const) {
        const listed = await harness.deliveries(dossier.dossierCode, credentials);
        expect(listed.map((d) => d.dossierId)).toEqual([dossier.dossierId]);
        const overGrpc = await harness.grpcDeliveries(dossier.dossierId, credentials);
        expect(overGrpc.map((d) => d.notificationId)).toEqual(listed.map((d) => d.notificationId));
      }
    });

    test("the competent authority routing names lists them too; a transfer moves that right to the new authority", async () => {
      const dossier = await harness.submit();
      const ids = { dossierId: dossier.dossierId, dossierCode: dossier.dossierCode };
      expect((await harness.listOverRest(dossier.dossierCode, key("tamChung"))).status).toBe(404);

      await harness.handled(
        await harness.publish("dossierRouted", {
          ...ids,
          status: common.DossierStatus.DOSSIER_STATUS_PROCESSING,
          routedAt: new Date().toISOString(),
          competentAuthority: {
            code: TAM_CHUNG,
            name: "Ủy ban nhân dân xã Tam Chung",
            level: common.AgencyLevel.AGENCY_LEVEL_COMMUNE,
            communeCode: TAM_CHUNG,
            provinceCode: "38",
          },
        }),
      );
      expect((await harness.listOverRest(dossier.dossierCode, key("tamChung"))).status).toBe(200);
      expect((await harness.grpcDeliveries(dossier.dossierCode, key("tamChung"))).length).toBeGreaterThan(0);
      expect((await harness.listOverRest(dossier.dossierCode, key("provincialPolice"))).status).toBe(404);

      await harness.handled(
        await harness.publish("dossierTransferred", {
          ...ids,
          transferredAt: new Date().toISOString(),
          toAuthority: {
            code: PROVINCIAL_POLICE,
            name: "Công an tỉnh Thanh Hoá",
            level: common.AgencyLevel.AGENCY_LEVEL_PROVINCE,
            communeCode: "",
            provinceCode: "38",
          },
        }),
      );
      expect((await harness.listOverRest(dossier.dossierCode, key("provincialPolice"))).status).toBe(200);
      expect((await harness.listOverRest(dossier.dossierCode, key("tamChung"))).status).toBe(404);
      // The receiving unit keeps seeing it.
      expect((await harness.listOverRest(dossier.dossierCode, key("muongLat"))).status).toBe(200);
    });
  });

  describe("operators", () => {
    test("an operator's token lists any commune's dossier on the operators' route, as its commune system sees it", async () => {
      for (const dossier of [muongLatDossier, tamChungDossier]) {
        expect(await harness.deliveries(dossier.dossierCode, { token: tokens.operator })).toEqual(
          await harness.deliveries(dossier.dossierCode),
        );
      }
      // A dossier notification never heard of is 404 for operators too.
      expect(
        problemOf(await harness.listOverRest(`${TAM_CHUNG}-261207-9999`, { token: tokens.operator }, "operators")),
      ).toMatchObject({ status: 404, code: "NOT_FOUND" });
      // The commune systems' route asks for a key.
      expect(
        problemOf(await harness.listOverRest(muongLatDossier.dossierCode, { token: tokens.operator })),
      ).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    });

    test("over gRPC, an operator's token forwarded by the province's operations console lists any commune's dossier", async () => {
      const asOperator = { ...key("operationsConsole"), token: tokens.operator };
      for (const dossier of [muongLatDossier, tamChungDossier]) {
        expect(await harness.grpcDeliveries(dossier.dossierId, asOperator)).toEqual(
          await harness.grpcDeliveries(dossier.dossierId),
        );
      }
      // The console's key alone acts for the province, not for its communes' dossiers.
      expect(
        (await grpcFailure(harness.grpcDeliveries(muongLatDossier.dossierId, key("operationsConsole")))).code,
      ).toBe(grpc.status.NOT_FOUND);
      // A token alone does not reach a method for commune systems.
      expect(
        (await grpcFailure(harness.grpcDeliveries(muongLatDossier.dossierId, { token: tokens.operator }))).code,
      ).toBe(grpc.status.UNAUTHENTICATED);
    });

    test("a commune system forwarding an operator's token reads no more than its key may", async () => {
      const forwarded = { ...key("tamChung"), token: tokens.operator };
      expect(problemOf(await harness.listOverRest(muongLatDossier.dossierCode, forwarded))).toMatchObject({
        status: 404,
        code: "NOT_FOUND",
      });
      expect((await grpcFailure(harness.grpcDeliveries(muongLatDossier.dossierCode, forwarded))).code).toBe(
        grpc.status.NOT_FOUND,
      );
    });

    test.each([
      ["a commune leader", "leaderMuongLat"],
      ["an auditor", "auditor"],
    ] as const)(
      "%s's token gets 403 / PERMISSION_DENIED naming the operator role; forwarded, it widens nothing",
      async (_who, official) => {
        const reply = await harness.listOverRest(muongLatDossier.dossierCode, { token: tokens[official] }, "operators");
        expect(problemOf(reply)).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
        expect((reply.body as { detail: string }).detail).toContain('"operator"');
        const forwarded = { ...key("operationsConsole"), token: tokens[official] };
        expect((await grpcFailure(harness.grpcDeliveries(muongLatDossier.dossierCode, forwarded))).code).toBe(
          grpc.status.NOT_FOUND,
        );
      },
    );
  });

  test("every decision is one entry of the service's audit log, with ids only, as an auditor reads it", async () => {
    type Entry = {
      action: string;
      outcome: string;
      target: string;
      clientId: string;
      officialId: string;
      reason: string;
    };
    const expected = [
      { clientId: TAM_CHUNG_CLIENT, officialId: "", target: muongLatDossier.dossierId, outcome: "denied", reason: "" },
      {
        clientId: TAM_CHUNG_CLIENT,
        officialId: "",
        target: `${MUONG_LAT}-261207-9999`,
        outcome: "not_found",
        reason: "",
      },
      { clientId: "", officialId: operator.subject, target: tamChungDossier.dossierId, outcome: "allowed", reason: "" },
      {
        clientId: "thanh-hoa-operations-console",
        officialId: operator.subject,
        target: muongLatDossier.dossierId,
        outcome: "allowed",
        reason: "",
      },
    ].map((decision) => ({ action: "list_deliveries", ...decision }));
    let entries: Entry[] = [];
    await waitFor(
      async () => {
        const reply = await fetch(`${harness.running.httpUrl}/v1/audit?limit=1000`, {
          headers: { authorization: `Bearer ${tokens.auditor}` },
        });
        entries = ((await reply.json()) as { entries: Entry[] }).entries;
        const decisions = entries.map(({ action, outcome, target, clientId, officialId, reason }) => ({
          action,
          outcome,
          target,
          clientId,
          officialId,
          reason,
        }));
        // The host records the role it found missing, at the endpoint.
        const roleRefused = entries.some(
          (entry) =>
            entry.action === "GET /ops/dossiers/:dossierRef/deliveries" &&
            entry.outcome === "denied" &&
            entry.officialId === auditor.subject,
        );
        return (
          roleRefused && expected.every((decision) => decisions.some((entry) => isDeepStrictEqual(entry, decision)))
        );
      },
      { description: "the access decisions sealed into the audit log", timeoutMs: EFFECT_TIMEOUT_MS },
    );
    const everything = JSON.stringify(entries) + harness.logLines.join("\n");
    for (const apiKey of Object.values(harness.keys)) expect(everything).not.toContain(apiKey);
    for (const token of Object.values(tokens)) expect(everything).not.toContain(token);
    expect(harness.personalDataIn(everything)).toEqual([]);
  });
});
