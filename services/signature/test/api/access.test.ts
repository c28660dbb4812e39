import { X509Certificate, createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { common, signature as contract, type PayloadOf } from "@lienthong/contracts";
import {
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_ISSUER,
  DEVELOPMENT_OFFICIALS,
  PLATFORM_AUDIENCE,
  createLogger,
  type DevelopmentClient,
  type DevelopmentOfficial,
} from "@lienthong/service-host";
import { rawUnary, readGrpcErrorDetails, waitFor } from "@lienthong/testing";
import { SignJWT, generateKeyPair, importJWK, type JWK } from "jose";
import { PDFDocument, PDFName } from "pdf-lib";
import { renderResultDocument } from "../../src/pdf";
import { documents } from "../../src/store/collections";
import { sampleResult } from "../support/fixtures";
import { describeWithPeers, run } from "../support/peers";
import { splitSignedPdf } from "../support/pki";
import {
  OFFICER_MUONG_LAT,
  SIGNER_WITHOUT_KEY,
  refusal,
  startSignature,
  type Credentials,
  type SignatureHarness,
} from "../support/signature-harness";

const {
  muongLat: muongLatSystem,
  tamChung: tamChungSystem,
  thanhHoaPolice: policeSystem,
  portal,
} = DEVELOPMENT_CLIENTS;
const { leaderMuongLat, leaderTamChung, receivingOfficerMuongLat, leaderThanhHoaPolice } = DEVELOPMENT_OFFICIALS;

const MUONG_LAT = { code: "14845", name: "Ủy ban nhân dân xã Mường Lát" };
const TAM_CHUNG = { code: "14848", name: "Ủy ban nhân dân xã Tam Chung" };
/** Invented applicant: printed on the result, never in a log line or an audit entry. */
const APPLICANT = "Lò Thị Mai";

/**
 * The endpoints that may answer without a credential, and what they answer a
 * request that names no more than the route: the health probes and the API
 * documents (service-host), and the applicant's download, whose link is the credential (400: no link).
 */
const DOCUMENTED_PUBLIC: Record<string, number> = {
  "GET /healthz": 200,
  "GET /readyz": 200,
  "GET /openapi.json": 200,
  "GET /docs": 200,
  "GET /docs/redoc.standalone.js": 200,
  "GET /v1/public/documents/:documentId": 400,
};

/** A route template with every parameter filled in: the credential is the only thing missing. */
function pathOf(template: string): string {
  const values: Record<string, string> = { documentId: randomUUID(), traceId: "0af7651916cd43dd8448eb211c80319c" };
  return template.replace(/:(\w+)/g, (_match, name: string) => values[name] ?? "x");
}

/** A token's payload, decoded. */
function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

let sequence = 0;

/** A decision's signature request as routing publishes it: received at `receiving`, decided at `authority`. */
function signatureRequested(
  officialId: string,
  authority: { code: string; name: string } = MUONG_LAT,
  receiving = MUONG_LAT.code,
  overrides: Partial<PayloadOf<"signatureRequested">> = {},
): PayloadOf<"signatureRequested"> & { dossierId: string } {
  sequence += 1;
  return {
    dossierId: randomUUID(),
    dossierCode: `${receiving}-261121-${String(sequence).padStart(4, "0")}`,
    receivingUnitCode: receiving,
    requestId: randomUUID(),
    requestedAt: new Date().toISOString(),
    procedureCode: "1.001193",
    procedureName: "Đăng ký khai sinh",
    competentAuthority: {
      ...authority,
      level: common.AgencyLevel.AGENCY_LEVEL_COMMUNE,
      communeCode: authority.code,
      provinceCode: "38",
    },
    outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
    officialId,
    summary: "Đồng ý cấp Giấy khai sinh.",
    applicantFullName: APPLICANT,
    ...overrides,
  };
}

describe("signature: every endpoint proves its caller, its tenancy and its role", () => {
  let signature: SignatureHarness;
  const logText: string[] = [];
  const forwarded = (official: DevelopmentOfficial, client: DevelopmentClient = muongLatSystem): Credentials => ({
    official,
    client,
  });

  /** A result signed from routing's event, as the embedded platform signs it; returns its document id. */
  async function signedResult(request: ReturnType<typeof signatureRequested>): Promise<string> {
    await signature.publish("signatureRequested", request);
    return (await signature.waitForEvent(request.dossierId, "documentSigned")).documentId;
  }

  const storedDocuments = async () => signature.runtime.store.count(documents, {});

  beforeAll(async () => {
    const destination = { write: (line: string) => void logText.push(line) };
    signature = await startSignature({ logger: createLogger({ service: "signature", level: "info", destination }) });
  });

  afterAll(async () => {
    await signature?.stop();
  });

  describe("without a credential", () => {
    it("every REST route answers 401 UNAUTHENTICATED before reading a body, except the documented public ones", async () => {
      const routes = signature.runtime.routes();
      const named = routes.map(({ method, path: template }) => `${method} ${template}`);
      // The walk covers signature's own endpoints (a route registered outside `route` would not be listed).
      expect(named).toEqual(
        expect.arrayContaining([
          "GET /v1/documents/:documentId",
          "POST /v1/documents/verify",
          "POST /v1/documents/sign",
          "POST /v1/signatures/cades",
          "POST /v1/signatures/cades/verify",
        ]),
      );
      expect(routes.filter(({ access }) => "public" in access).map(({ method, path: p }) => `${method} ${p}`)).toEqual(
        Object.keys(DOCUMENTED_PUBLIC),
      );
      for (const { method, path: template, access } of routes) {
        // Not JSON: a route that read its body before authenticating would answer 400.
        const response = await signature.request(method, pathOf(template), {
          ...(method === "POST" && { body: "{not json", type: "application/json" }),
        });
        const text = await response.text();
        const expected = "public" in access ? DOCUMENTED_PUBLIC[`${method} ${template}`] : 401;
        expect({ route: `${method} ${template}`, status: response.status }).toEqual({
          route: `${method} ${template}`,
          status: expected,
        });
        if (expected === 401) expect((JSON.parse(text) as { code: string }).code).toBe("UNAUTHENTICATED");
      }
    });

    it("a route for officials refuses a commune system's key alone, and a route for commune systems a token alone", async () => {
      for (const { method, path: template, access } of signature.runtime.routes()) {
        const only: Credentials | undefined =
          "official" in access
            ? { client: muongLatSystem }
            : "client" in access
              ? { official: leaderMuongLat }
              : undefined;
        if (!only) continue;
        const response = await signature.request(method, pathOf(template), {
          ...(method === "POST" && { body: "%PDF-1.7", type: "application/pdf" }),
          as: only,
        });
        const problem = (await response.json()) as { code: string };
        expect({ route: `${method} ${template}`, status: response.status, code: problem.code }).toEqual({
          route: `${method} ${template}`,
          status: 401,
          code: "UNAUTHENTICATED",
        });
      }
    });

    it("every gRPC method of every registered service answers UNAUTHENTICATED", async () => {
      const methods = signature.runtime.grpcRegistrations().flatMap(({ definition }) => Object.values(definition));
      expect(methods.map((method) => method.path)).toEqual(
        expect.arrayContaining(Object.values(contract.SignatureServiceService).map((method) => method.path)),
      );
      expect(methods).toHaveLength(6);
      // An empty message is a valid request of every type: only the credential is missing.
      for (const method of methods) {
        const answer = await rawUnary(`127.0.0.1:${signature.running.grpcPort}`, method.path, Buffer.alloc(0), {});
        expect({ method: method.path, status: answer.status }).toEqual({
          method: method.path,
          status: "UNAUTHENTICATED",
        });
      }
    });

    it("gRPC signing refuses a key alone, and gRPC verification a token alone", async () => {
      const pdf = renderResultDocument(sampleResult());
      const keyAlone = { client: muongLatSystem };
      const tokenAlone = { official: leaderMuongLat };
      const refusals = await Promise.all([
        refusal(signature.grpc.signDocument(contract.SignDocumentRequest.fromPartial({ pdf }), keyAlone)),
        refusal(signature.grpc.signFile(contract.SignFileRequest.fromPartial({ content: pdf }), keyAlone)),
        refusal(signature.grpc.verifyDocument(contract.VerifyDocumentRequest.fromPartial({ pdf }), tokenAlone)),
        refusal(
          signature.grpc.verifyFileSignature(
            contract.VerifyFileSignatureRequest.fromPartial({ content: pdf, signature: pdf }),
            tokenAlone,
          ),
        ),
      ]);
      expect(refusals.map((error) => grpc.status[error.code])).toEqual(Array(4).fill("UNAUTHENTICATED"));
    });
  });

  describe("officials' tokens that do not verify are refused", () => {
    const bad: Record<string, { token: () => Promise<string>; because: string }> = {};

    beforeAll(async () => {
      // The development issuer's own key: the claims, not the signature, are what is wrong.
      const stored = JSON.parse(readFileSync(path.join(signature.identityDir, "development-issuer.json"), "utf8")) as {
        kid: string;
        privateJwk: JWK;
      };
      const issuerKey = await importJWK(stored.privateJwk, "ES256");
      const signed = (options: {
        issuer?: string;
        audience?: string;
        kid?: string;
        key?: Parameters<SignJWT["sign"]>[0];
      }) =>
        new SignJWT({ roles: [...leaderMuongLat.roles], lienthong_units: [...leaderMuongLat.unitCodes] })
          .setProtectedHeader({ alg: "ES256", kid: options.kid ?? stored.kid, typ: "JWT" })
          .setIssuer(options.issuer ?? DEVELOPMENT_ISSUER)
          .setAudience(options.audience ?? PLATFORM_AUDIENCE)
          .setSubject(leaderMuongLat.subject)
          .setIssuedAt()
          .setNotBefore("0s")
          .setExpirationTime("1h")
          .sign(options.key ?? issuerKey);
      const otherKey = (await generateKeyPair("ES256")).privateKey;
      const hour = 3600 * 1000;
      Object.assign(bad, {
        expired: {
          token: () =>
            signature.issuer.sign(leaderMuongLat, { now: new Date(Date.now() - 2 * hour), ttlSeconds: 3600 }),
          because: "it has expired",
        },
        "not yet valid": {
          token: () => signature.issuer.sign(leaderMuongLat, { now: new Date(Date.now() + hour) }),
          because: "it is not valid yet",
        },
        "for another audience": { token: () => signed({ audience: "another-platform" }), because: "another audience" },
        "from another issuer": {
          token: () => signed({ issuer: "https://idp.example.vn/realms/other" }),
          because: "another issuer",
        },
        'signed with alg "none"': {
          token: async () =>
            `${base64url({ alg: "none", typ: "JWT" })}.${base64url(payloadOf(await signature.issuer.sign(leaderMuongLat)))}.`,
          because: "an algorithm this platform does not accept",
        },
        "under an unknown key id": {
          token: () => signed({ kid: "not-a-key-of-the-issuer", key: otherKey }),
          because: "no key of the identity provider matches it",
        },
        "signed by another key under the issuer's key id": {
          token: () => signed({ key: otherKey }),
          because: "its signature does not verify",
        },
        "tampered with (a receiving officer's token given the document signer's role)": {
          token: async () => {
            const token = await signature.issuer.sign(receivingOfficerMuongLat);
            const [header, , value] = token.split(".");
            return `${header}.${base64url({ ...payloadOf(token), roles: ["document_signer"] })}.${value}`;
          },
          because: "its signature does not verify",
        },
      });
    });

    it.each([
      "expired",
      "not yet valid",
      "for another audience",
      "from another issuer",
      'signed with alg "none"',
      "under an unknown key id",
      "signed by another key under the issuer's key id",
      "tampered with (a receiving officer's token given the document signer's role)",
    ])("a token %s: REST 401 and gRPC UNAUTHENTICATED, saying why, and nothing is signed", async (name) => {
      const { token, because } = bad[name]!;
      const before = await storedDocuments();
      const bearer = `Bearer ${await token()}`;
      const pdf = renderResultDocument(sampleResult());
      const response = await signature.request("POST", "/v1/documents/sign", {
        body: pdf,
        type: "application/pdf",
        as: { client: muongLatSystem },
        headers: { authorization: bearer },
      });
      const problem = (await response.json()) as { code: string; detail: string };
      expect({ status: response.status, code: problem.code }).toEqual({ status: 401, code: "UNAUTHENTICATED" });
      expect(problem.detail).toContain(because);

      const metadata = await signature.metadata({ client: muongLatSystem });
      metadata.set("authorization", bearer);
      const client = new contract.SignatureServiceClient(
        `127.0.0.1:${signature.running.grpcPort}`,
        grpc.credentials.createInsecure(),
      );
      try {
        const error = await refusal(
          new Promise((resolve, reject) => {
            client.signDocument(contract.SignDocumentRequest.fromPartial({ pdf }), metadata, (failure, reply) =>
              failure ? reject(failure) : resolve(reply),
            );
          }),
        );
        expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
        expect(error.details).toContain(because);
      } finally {
        client.close();
      }
      expect(await storedDocuments()).toBe(before);
    });
  });

  describe("tenancy: a signed document is served to its dossier's tenants only", () => {
    const get = (documentId: string, as: Credentials) =>
      signature.request("GET", `/v1/documents/${documentId}`, { as });
    /** What a refusal says, with the document id masked: another tenant's 404 must read exactly like a missing one's. */
    const shape = async (response: Response, documentId: string) => {
      const body = (await response.json()) as Record<string, unknown>;
      return { status: response.status, body: JSON.stringify({ ...body, traceId: "" }).replaceAll(documentId, "<id>") };
    };

    it("a result received and decided at Mường Lát: Mường Lát's system and the portal read it; Tam Chung and the police get 404 like a missing document", async () => {
      const documentId = await signedResult(signatureRequested(leaderMuongLat.subject));
      expect((await get(documentId, { client: muongLatSystem })).status).toBe(200);
      expect((await get(documentId, { client: portal })).status).toBe(200);
      // With the official it forwards, both must be tenants.
      expect((await get(documentId, forwarded(leaderMuongLat))).status).toBe(200);

      const missing = randomUUID();
      const missingShape = await shape(await get(missing, { client: tamChungSystem }), missing);
      expect(missingShape.status).toBe(404);
      for (const as of [{ client: tamChungSystem }, { client: policeSystem }, forwarded(leaderTamChung)]) {
        expect(await shape(await get(documentId, as), documentId)).toEqual(missingShape);
      }
    });

    it("boundary-free intake: received at Mường Lát, decided and signed at Tam Chung; both communes read it, the police do not", async () => {
      const documentId = await signedResult(signatureRequested(leaderTamChung.subject, TAM_CHUNG, MUONG_LAT.code));
      const stored = await signature.runtime.store.get(documents, documentId);
      expect(stored?.data).toMatchObject({ receivingUnitCode: MUONG_LAT.code, competentAuthorityCode: TAM_CHUNG.code });
      expect((await get(documentId, { client: muongLatSystem })).status).toBe(200);
      expect((await get(documentId, { client: tamChungSystem })).status).toBe(200);
      expect((await get(documentId, { client: policeSystem })).status).toBe(404);
    });

    it("a dossier code that carries the receiving unit's agency code: the unit comes from the request, and its system still reads it", async () => {
      const request = signatureRequested(leaderTamChung.subject, TAM_CHUNG, MUONG_LAT.code);
      const withAgencyCode = {
        ...request,
        dossierCode: request.dossierCode.replace(MUONG_LAT.code, "000.20.38.H56"),
        receivingUnitCode: MUONG_LAT.code,
      };
      const documentId = await signedResult(withAgencyCode);
      const stored = await signature.runtime.store.get(documents, documentId);
      expect(stored?.data).toMatchObject({ receivingUnitCode: MUONG_LAT.code, competentAuthorityCode: TAM_CHUNG.code });
      expect((await get(documentId, { client: muongLatSystem })).status).toBe(200);
      expect((await get(documentId, { client: tamChungSystem })).status).toBe(200);
      expect((await get(documentId, { client: policeSystem })).status).toBe(404);
    });

    it("a document signed on request is read by the authority it was signed for", async () => {
      const response = await signature.request("POST", "/v1/documents/sign", {
        body: renderResultDocument(sampleResult()),
        type: "application/pdf",
        as: forwarded(leaderMuongLat),
      });
      expect(response.status).toBe(201);
      const documentId = response.headers.get("x-document-id")!;
      expect((await get(documentId, { client: muongLatSystem })).status).toBe(200);
      expect((await get(documentId, { client: tamChungSystem })).status).toBe(404);
    });
  });

  describe("roles and authorities", () => {
    it("a receiving officer trying to sign gets 403 PERMISSION_DENIED naming the document signer's and the leader's roles", async () => {
      const before = await storedDocuments();
      const pdf = renderResultDocument(sampleResult());
      const as = forwarded(receivingOfficerMuongLat);
      for (const target of ["/v1/documents/sign", "/v1/signatures/cades"]) {
        const response = await signature.request("POST", target, { body: pdf, type: "application/pdf", as });
        const problem = (await response.json()) as { code: string; detail: string; details: unknown };
        expect({ status: response.status, code: problem.code }).toEqual({ status: 403, code: "PERMISSION_DENIED" });
        expect(problem.detail).toContain('"document_signer"');
        expect(problem.detail).toContain('"leader"');
        expect(problem.details).toEqual({ missingRole: ["document_signer", "leader"] });
      }
      const overGrpc = await Promise.all([
        refusal(signature.grpc.signDocument(contract.SignDocumentRequest.fromPartial({ pdf }), as)),
        refusal(signature.grpc.signFile(contract.SignFileRequest.fromPartial({ content: pdf }), as)),
      ]);
      for (const error of overGrpc) {
        expect(error.code).toBe(grpc.status.PERMISSION_DENIED);
        expect(error.details).toContain('"document_signer"');
      }
      expect(await storedDocuments()).toBe(before);
    });

    it("a leader of another authority cannot sign for Mường Lát, over REST or gRPC, whoever forwards them", async () => {
      const before = await storedDocuments();
      const pdf = renderResultDocument(sampleResult());
      const attempts: [string, Credentials, string][] = [
        // The portal acts for every commune; the official it forwards does not belong to Mường Lát.
        ["Tam Chung's leader, through the portal", forwarded(leaderTamChung, portal), MUONG_LAT.code],
        // Mường Lát's own leader, for an authority that is not theirs.
        ["Mường Lát's leader, for Tam Chung", forwarded(leaderMuongLat), TAM_CHUNG.code],
        [
          "the police's leader, through the police's system",
          forwarded(leaderThanhHoaPolice, policeSystem),
          MUONG_LAT.code,
        ],
      ];
      for (const [who, as, code] of attempts) {
        const response = await signature.request("POST", `/v1/documents/sign?competentAuthorityCode=${code}`, {
          body: pdf,
          type: "application/pdf",
          as,
        });
        const problem = (await response.json()) as { code: string; detail: string };
        expect({ who, status: response.status, code: problem.code }).toEqual({
          who,
          status: 403,
          code: "PERMISSION_DENIED",
        });
        expect(problem.detail).toContain(code);
        const error = await refusal(
          signature.grpc.signDocument(
            contract.SignDocumentRequest.fromPartial({ pdf, competentAuthorityCode: code }),
            as,
          ),
        );
        expect({ who, code: grpc.status[error.code] }).toEqual({ who, code: "PERMISSION_DENIED" });
      }
      // Tam Chung's system cannot forward Mường Lát's leader at all (the host's check).
      const foreign = await signature.request("POST", "/v1/documents/sign", {
        body: pdf,
        type: "application/pdf",
        as: forwarded(leaderMuongLat, tamChungSystem),
      });
      expect(foreign.status).toBe(403);
      expect(await storedDocuments()).toBe(before);
    });

    it("a decision's result: a leader of another authority, an official without a key, a receiving officer — each one signatureFailed event, nothing dead-lettered", async () => {
      const requests = {
        "a leader of another authority": signatureRequested(leaderTamChung.subject),
        // The test PKI holds a key for official-demo, declared for no authority: it leads none.
        "a key holder who leads no authority": signatureRequested("official-demo"),
        "an official without a key": signatureRequested(SIGNER_WITHOUT_KEY.subject),
        // A receiving officer holds a key for the desk's slips, declared for no authority: it signs no result.
        "a receiving officer": signatureRequested(receivingOfficerMuongLat.subject),
        "a notice too long for one page": signatureRequested(leaderMuongLat.subject, MUONG_LAT, MUONG_LAT.code, {
          summary: "Hồ sơ đầy đủ, hợp lệ. ".repeat(400),
        }),
        "no competent authority": signatureRequested(leaderMuongLat.subject, MUONG_LAT, MUONG_LAT.code, {
          competentAuthority: undefined,
        }),
      };
      for (const request of Object.values(requests)) await signature.publish("signatureRequested", request);
      const reasons: Record<string, string> = {};
      for (const [label, request] of Object.entries(requests)) {
        reasons[label] = (await signature.waitForEvent(request.dossierId, "signatureFailed")).reason;
      }
      expect(reasons).toEqual({
        "a leader of another authority":
          "[SIGNER_NOT_AUTHORIZED] Cán bộ không có thẩm quyền ký cho cơ quan giải quyết hồ sơ này",
        "a key holder who leads no authority":
          "[SIGNER_NOT_AUTHORIZED] Cán bộ không có thẩm quyền ký cho cơ quan giải quyết hồ sơ này",
        "an official without a key": "[UNKNOWN_SIGNER] Cán bộ không có chứng thư số tại dịch vụ ký số",
        "a receiving officer": "[SIGNER_NOT_AUTHORIZED] Cán bộ không có thẩm quyền ký cho cơ quan giải quyết hồ sơ này",
        "a notice too long for one page": "[INVALID_DOCUMENT_INPUT] Nội dung văn bản kết quả không hợp lệ",
        "no competent authority":
          "[SIGNER_NOT_AUTHORIZED] Cán bộ không có thẩm quyền ký cho cơ quan giải quyết hồ sơ này",
      });
      // A later request proves the consumer moved past all of them; each got exactly one outcome.
      await signedResult(signatureRequested(leaderMuongLat.subject));
      for (const request of Object.values(requests)) {
        expect({
          failed: signature.eventsOf(request.dossierId, "signatureFailed").length,
          signed: signature.eventsOf(request.dossierId, "documentSigned").length,
        }).toEqual({ failed: 1, signed: 0 });
        expect(JSON.stringify(signature.eventsOf(request.dossierId, "signatureFailed"))).not.toContain(APPLICANT);
      }
      expect(signature.deadLetters).toHaveLength(0);
    });
  });

  describe("bad input is the caller's: 400 naming the field, never 500", () => {
    // pdf-lib warns on the console about every object it cannot parse: expected here.
    beforeAll(() => jest.spyOn(console, "warn").mockImplementation(() => undefined));
    afterAll(() => jest.restoreAllMocks());

    async function certified(): Promise<Buffer> {
      // A certification signature's dictionary allowing no change (DocMDP P=1); its value does not matter here.
      const document = await PDFDocument.load(renderResultDocument(sampleResult()));
      const { context } = document;
      const reference = context.obj({ Type: "SigRef", TransformMethod: "DocMDP", TransformParams: { P: 1, V: "1.2" } });
      const dictionary = context.register(
        context.obj({ Type: "Sig", Filter: "Adobe.PPKLite", Reference: [reference] }),
      );
      document.catalog.set(PDFName.of("Perms"), context.obj({ DocMDP: dictionary }));
      return Buffer.from(await document.save({ useObjectStreams: false }));
    }

    it.each([
      [
        "garbage behind a PDF header",
        () => Promise.resolve(Buffer.from("%PDF-1.7\nnot a document\n%%EOF")),
        "has no readable catalog or page tree",
      ],
      [
        "a truncated PDF",
        () => Promise.resolve(renderResultDocument(sampleResult()).subarray(0, 3000)),
        "is not a readable PDF file",
      ],
      ["a PDF certified with no changes allowed", certified, "no changes allowed (DocMDP P=1)"],
      ["not a PDF at all", () => Promise.resolve(Buffer.from("PK\u0003\u0004 a zip file")), "is not a PDF file"],
    ])("%s: REST 400 and gRPC INVALID_ARGUMENT with the field pdf", async (_label, make, reason) => {
      const before = await storedDocuments();
      const pdf = await make();
      const response = await signature.request("POST", "/v1/documents/sign", {
        body: pdf,
        type: "application/pdf",
        as: forwarded(leaderMuongLat),
      });
      const problem = (await response.json()) as { code: string; violations: { field: string; reason: string }[] };
      expect({ status: response.status, code: problem.code }).toEqual({ status: 400, code: "INVALID_ARGUMENT" });
      expect(problem.violations).toEqual([{ field: "pdf", reason: expect.stringContaining(reason) }]);
      const error = await refusal(
        signature.grpc.signDocument(contract.SignDocumentRequest.fromPartial({ pdf }), forwarded(leaderMuongLat)),
      );
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      const trailer = error.metadata.get("grpc-status-details-bin")[0] as Buffer;
      expect(readGrpcErrorDetails(trailer).violations.map((violation) => violation.field)).toEqual(["pdf"]);
      expect(await storedDocuments()).toBe(before);
    });

    it("an already signed PDF is not bad input: it gets one more signature", async () => {
      const once = await signature.request("POST", "/v1/documents/sign", {
        body: renderResultDocument(sampleResult()),
        type: "application/pdf",
        as: forwarded(OFFICER_MUONG_LAT),
      });
      const twice = await signature.request("POST", "/v1/documents/sign", {
        body: new Uint8Array(await once.arrayBuffer()),
        type: "application/pdf",
        as: forwarded(leaderMuongLat),
      });
      expect(twice.status).toBe(201);
    });
  });

  describeWithPeers(["openssl"], "the signer is the token's subject, checked by OpenSSL", () => {
    /** The subject of the certificate that made the last signature of a PDF, as OpenSSL reads it. */
    async function signerOf(pdf: Buffer, name: string): Promise<string> {
      const { content, cms } = splitSignedPdf(pdf);
      const base = path.join(signature.dataDir, name);
      await writeFile(`${base}.bin`, content);
      await writeFile(`${base}.p7s`, cms);
      const verified = await run("openssl", [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        `${base}.p7s`,
        "-content",
        `${base}.bin`,
        "-CAfile",
        signature.rootCertPath,
        "-purpose",
        "any",
        "-signer",
        `${base}.signer.pem`,
        "-out",
        "/dev/null",
      ]);
      expect(verified.stderr).toContain("Verification successful");
      return (await run("openssl", ["x509", "-in", `${base}.signer.pem`, "-noout", "-subject", "-nameopt", "RFC2253"]))
        .stdout;
    }

    it("a signer_id / signerId naming another official is ignored, over REST and gRPC", async () => {
      const pdf = renderResultDocument(sampleResult());
      const rest = await signature.request("POST", "/v1/documents/sign?signerId=official-demo", {
        body: pdf,
        type: "application/pdf",
        as: forwarded(leaderMuongLat),
      });
      expect(rest.status).toBe(201);
      const overGrpc = await signature.grpc.signDocument(
        contract.SignDocumentRequest.fromPartial({ pdf, signerId: "official-demo" }),
        forwarded(leaderMuongLat),
      );
      for (const [name, signed] of [
        ["rest", Buffer.from(await rest.arrayBuffer())],
        ["grpc", overGrpc.signedPdf],
      ] as const) {
        const subject = await signerOf(signed, `signer-${name}`);
        expect(subject).toContain(`UID=${leaderMuongLat.subject}`);
        expect(subject).not.toContain("official-demo");
      }
      expect(overGrpc.signerSubject).toContain(`UID=${leaderMuongLat.subject}`);
    });
  });

  describe("audit", () => {
    const signerCertificate = (officialId: string) =>
      new X509Certificate(
        readFileSync(path.join(signature.dataDir, "signature", "pki", "signers", `${officialId}.cert.pem`)),
      );

    /**
     * How a signing entry names the official's certificate, read by node:crypto
     * from the test PKI's file: the SHA-256 of its DER, its serial and its
     * issuer, most specific part first. Never its subject.
     */
    function certificatePart(officialId: string): string {
      const certificate = signerCertificate(officialId);
      const issuer = certificate.issuer.split("\n").reverse().join(", ");
      expect(issuer).toMatch(/^CN=.+, C=VN$/);
      const fingerprint = certificate.fingerprint256.replaceAll(":", "").toLowerCase();
      return `certificate:${fingerprint} serial:${certificate.serialNumber.toLowerCase()} issuer:${issuer}`;
    }

    it("records signings (who, which hash, which authority, which certificate, outcome) and access decisions with ids only; no credential or personal data in logs", async () => {
      const signed = await signature.request("POST", "/v1/documents/sign", {
        body: renderResultDocument(sampleResult()),
        type: "application/pdf",
        as: forwarded(leaderMuongLat),
      });
      const documentId = signed.headers.get("x-document-id")!;
      const sha256 = (await signature.runtime.store.get(documents, documentId))!.data.sha256;
      const file = Buffer.from("Tờ trình số 12/TTr-UBND (tệp đính kèm)");
      const cades = await signature.request("POST", "/v1/signatures/cades", {
        body: file,
        type: "application/octet-stream",
        as: forwarded(leaderMuongLat),
      });
      expect(cades.status).toBe(201);
      expect(
        (await signature.request("GET", `/v1/documents/${documentId}`, { as: { client: tamChungSystem } })).status,
      ).toBe(404);
      const result = signatureRequested(leaderMuongLat.subject);
      const resultId = await signedResult(result);
      const resultSha256 = (await signature.runtime.store.get(documents, resultId))!.data.sha256;
      const refused = signatureRequested(leaderTamChung.subject);
      await signature.publish("signatureRequested", refused);
      await signature.waitForEvent(refused.dossierId, "signatureFailed");

      const expected = [
        {
          action: "sign_document",
          outcome: "done",
          clientId: muongLatSystem.clientId,
          officialId: leaderMuongLat.subject,
          target: `document:${documentId} sha256:${sha256} authority:${MUONG_LAT.code} ${certificatePart(leaderMuongLat.subject)}`,
          reason: "",
        },
        {
          action: "sign_file",
          outcome: "done",
          clientId: muongLatSystem.clientId,
          officialId: leaderMuongLat.subject,
          target: `sha256:${createHash("sha256").update(file).digest("hex")} authority:${MUONG_LAT.code} ${certificatePart(leaderMuongLat.subject)}`,
          reason: "",
        },
        {
          action: "read_document",
          outcome: "denied",
          clientId: tamChungSystem.clientId,
          officialId: "",
          target: documentId,
          reason: "NOT_A_TENANT",
        },
        {
          action: "sign_result",
          outcome: "done",
          clientId: "",
          officialId: leaderMuongLat.subject,
          target: `document:${resultId} sha256:${resultSha256} authority:14845 dossier:${result.dossierId} request:${result.requestId} ${certificatePart(leaderMuongLat.subject)}`,
          reason: "",
        },
        {
          action: "sign_result",
          outcome: "refused",
          clientId: "",
          officialId: leaderTamChung.subject,
          // The certificate held for the official who was refused.
          target: `authority:14845 dossier:${refused.dossierId} request:${refused.requestId} ${certificatePart(leaderTamChung.subject)}`,
          reason: "SIGNER_NOT_AUTHORIZED",
        },
      ];
      const entries = async () =>
        (await signature.auditEntries()).map(({ action, outcome, clientId, officialId, target, reason }) => ({
          action,
          outcome,
          clientId,
          officialId,
          target,
          reason,
        }));
      await waitFor(
        async () => {
          try {
            expect(await entries()).toEqual(expect.arrayContaining(expected));
            return true;
          } catch {
            return false;
          }
        },
        { description: "the signings and access decisions in the audit log" },
      );
      // Every endpoint's access decision is there too (the host's), allowed and denied.
      expect(await entries()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ action: "POST /v1/documents/sign", outcome: "allowed" }),
          expect.objectContaining({ action: "POST /v1/documents/sign", outcome: "denied" }),
        ]),
      );
      const audited = JSON.stringify(await signature.auditEntries());
      expect(audited).not.toContain(APPLICANT);
      // A public-duty certificate's subject is the official's name: the entries name the certificate otherwise.
      const personal = signerCertificate(leaderMuongLat.subject)
        .subject.split("\n")
        .filter((part) => /^(CN|UID)=/.test(part));
      expect(personal).toHaveLength(2);
      for (const part of personal) expect(audited).not.toContain(part);

      const logs = logText.join("");
      expect(logs.length).toBeGreaterThan(0);
      expect(logs).not.toMatch(/Bearer|eyJ/);
      expect(logs).not.toContain(APPLICANT);
      for (const system of Object.values(DEVELOPMENT_CLIENTS)) expect(logs).not.toContain(system.key);
    });
  });
});
