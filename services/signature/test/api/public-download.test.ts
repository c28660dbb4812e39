/**
 * GET /v1/public/documents/:documentId: a decision's result for the holder of
 * a link intake signed after the applicant's second factor matched
 * (docs/decisions.md §23). The links here are made as intake makes them, with
 * service-host's public-links.ts and the secret both services are given.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { common, type PayloadOf } from "@lienthong/contracts";
import {
  DEVELOPMENT_CLIENTS,
  DEVELOPMENT_OFFICIALS,
  createLogger,
  signPublicDocumentLink,
  type PublicLinkSecrets,
} from "@lienthong/service-host";
import { waitFor } from "@lienthong/testing";
import { renderResultDocument } from "../../src/pdf";
import { sampleResult } from "../support/fixtures";
import { startSignature, type SignatureHarness } from "../support/signature-harness";

const secret = () => randomBytes(32).toString("base64url");
const MUONG_LAT = { code: "14845", name: "Ủy ban nhân dân xã Mường Lát" };
/** Invented applicant: printed on the result, never in a log line or an audit entry. */
const APPLICANT = "Hà Thị Lan";

interface Problem {
  code: string;
  reason: string;
  violations?: { field: string; reason: string }[];
  traceId?: string;
}

describe("signature: the applicant's result through a signed link", () => {
  let signature: SignatureHarness;
  const logText: string[] = [];
  // Both services' current secret, and the one before a rotation, still accepted here.
  const secrets: PublicLinkSecrets = { current: secret(), previous: secret() };
  let resultId: string;
  let dossierCode: string;
  let sha256: string;

  beforeAll(async () => {
    const destination = { write: (line: string) => void logText.push(line) };
    signature = await startSignature({
      logger: createLogger({ service: "signature", level: "debug", destination }),
      env: { PUBLIC_LINK_SECRET: secrets.current, PUBLIC_LINK_PREVIOUS_SECRET: secrets.previous! },
    });
    const request: PayloadOf<"signatureRequested"> & { dossierId: string } = {
      dossierId: randomUUID(),
      dossierCode: `${MUONG_LAT.code}-261121-0042`,
      receivingUnitCode: MUONG_LAT.code,
      requestId: randomUUID(),
      requestedAt: new Date().toISOString(),
      procedureCode: "1.001193",
      procedureName: "Đăng ký khai sinh",
      competentAuthority: {
        ...MUONG_LAT,
        level: common.AgencyLevel.AGENCY_LEVEL_COMMUNE,
        communeCode: MUONG_LAT.code,
        provinceCode: "38",
      },
      outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
      officialId: DEVELOPMENT_OFFICIALS.leaderMuongLat.subject,
      summary: "Đồng ý cấp Giấy khai sinh.",
      applicantFullName: APPLICANT,
    };
    await signature.publish("signatureRequested", request);
    const signed = await signature.waitForEvent(request.dossierId, "documentSigned");
    ({ documentId: resultId, dossierCode, sha256 } = signed);
  }, 60_000);

  afterAll(async () => {
    await signature?.stop();
  });

  const linkTo = (documentId: string, keys: PublicLinkSecrets = secrets, madeAt = new Date()) =>
    signPublicDocumentLink(keys, documentId, madeAt).path;
  /** The link with one query parameter replaced. */
  const withQuery = (link: string, name: string, value: string) => {
    const url = new URL(link, "http://signature.invalid");
    url.searchParams.set(name, value);
    return `${url.pathname}${url.search}`;
  };
  const fetchLink = (link: string) => signature.request("GET", link);
  async function problemOf(response: Response): Promise<Problem> {
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { traceId: _traceId, ...problem } = (await response.json()) as Problem;
    return problem;
  }

  it("serves the signed PDF without any credential, as an attachment nobody caches", async () => {
    const response = await fetchLink(linkTo(resultId));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${dossierCode}.pdf"`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(response.headers.get("digest")).toBe(`sha-256=${Buffer.from(sha256, "hex").toString("base64")}`);
  });

  it("still serves a link signed with the previous secret during a rotation", async () => {
    const response = await fetchLink(linkTo(resultId, { current: secrets.previous! }));
    expect(response.status).toBe(200);
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(0, 5)
        .toString("latin1"),
    ).toBe("%PDF-");
  });

  it("refuses an expired link with 403 LINK_EXPIRED", async () => {
    const response = await fetchLink(linkTo(resultId, secrets, new Date(Date.now() - 11 * 60_000)));
    expect(response.status).toBe(403);
    expect(await problemOf(response)).toMatchObject({ code: "PERMISSION_DENIED", reason: "LINK_EXPIRED" });
  });

  it("refuses an altered or foreign link with 403 LINK_SIGNATURE_INVALID, the same for a document that does not exist", async () => {
    const link = linkTo(resultId);
    const expires = new URL(link, "http://signature.invalid").searchParams.get("expires")!;
    const signatureValue = new URL(link, "http://signature.invalid").searchParams.get("signature")!;
    const attempts = {
      "another document's id": link.replace(resultId, randomUUID()),
      "a later expiry": withQuery(link, "expires", String(Number(expires) + 86_400)),
      "an altered signature": withQuery(
        link,
        "signature",
        `${signatureValue.slice(0, 42)}${signatureValue.endsWith("A") ? "B" : "A"}`,
      ),
      "another secret's link": linkTo(resultId, { current: secret() }),
    };
    const missing = await problemOf(await fetchLink(withQuery(linkTo(randomUUID()), "signature", "A".repeat(43))));
    expect(missing).toMatchObject({ code: "PERMISSION_DENIED", reason: "LINK_SIGNATURE_INVALID" });
    for (const [what, attempt] of Object.entries(attempts)) {
      const response = await fetchLink(attempt);
      expect({ what, status: response.status }).toEqual({ what, status: 403 });
      expect({ what, problem: await problemOf(response) }).toEqual({ what, problem: missing });
    }
  });

  it("answers a malformed link 400 naming each malformed part", async () => {
    const link = linkTo(resultId);
    const noQuery = await fetchLink(`/v1/public/documents/${resultId}`);
    expect(noQuery.status).toBe(400);
    expect((await problemOf(noQuery)).violations?.map((violation) => violation.field)).toEqual([
      "expires",
      "signature",
    ]);
    const badId = await fetchLink(link.replace(resultId, "not-a-document"));
    expect(badId.status).toBe(400);
    expect((await problemOf(badId)).violations?.map((violation) => violation.field)).toEqual(["documentId"]);
    const repeated = await fetchLink(`${link}&expires=1`);
    expect((await problemOf(repeated)).violations?.map((violation) => violation.field)).toEqual(["expires"]);
  });

  it("answers 404 to a genuine link naming no decision's result: a missing document, one signed on an official's request", async () => {
    expect((await fetchLink(linkTo(randomUUID()))).status).toBe(404);
    const onRequest = await signature.request("POST", "/v1/documents/sign", {
      body: renderResultDocument(sampleResult()),
      type: "application/pdf",
      as: { client: DEVELOPMENT_CLIENTS.muongLat, official: DEVELOPMENT_OFFICIALS.leaderMuongLat },
    });
    expect(onRequest.status).toBe(201);
    const response = await fetchLink(linkTo(onRequest.headers.get("x-document-id")!));
    expect(response.status).toBe(404);
    expect((await problemOf(response)).code).toBe("NOT_FOUND");
  });

  it("records every download and refusal in the audit log by document id, and the link's signature nowhere", async () => {
    const link = linkTo(resultId);
    const linkSignature = new URL(link, "http://signature.invalid").searchParams.get("signature")!;
    expect((await fetchLink(link)).status).toBe(200);
    expect((await fetchLink(linkTo(resultId, secrets, new Date(Date.now() - 3_600_000)))).status).toBe(403);
    const entries = async () =>
      (await signature.auditEntries())
        .filter((entry) => entry.action === "download_result")
        .map(({ outcome, target, reason, clientId, officialId }) => ({
          outcome,
          target,
          reason,
          clientId,
          officialId,
        }));
    const expected = [
      { outcome: "allowed", target: resultId, reason: "", clientId: "", officialId: "" },
      { outcome: "denied", target: resultId, reason: "LINK_EXPIRED", clientId: "", officialId: "" },
      { outcome: "denied", target: expect.any(String), reason: "LINK_SIGNATURE_INVALID", clientId: "", officialId: "" },
      { outcome: "denied", target: "malformed-id", reason: "MALFORMED_LINK", clientId: "", officialId: "" },
      { outcome: "not_found", target: expect.any(String), reason: "", clientId: "", officialId: "" },
    ];
    await waitFor(
      async () => {
        const found = await entries();
        return expected.every((entry) =>
          found.some((candidate) => expect.objectContaining(entry).asymmetricMatch(candidate)),
        );
      },
      { description: "the downloads in the audit log", timeoutMs: 15_000 },
    );
    // The host's access decision for the public route is there too, allowed, for the document the link names.
    expect(await signature.auditEntries()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: "GET /v1/public/documents/:documentId",
          outcome: "allowed",
          target: resultId,
        }),
      ]),
    );
    const audited = JSON.stringify(await signature.auditEntries());
    expect(audited).not.toContain(linkSignature);
    expect(audited).not.toContain("signature=");
    expect(audited).not.toContain(APPLICANT);
    const logs = logText.join("");
    // Requests are logged by route template: the searches below are not vacuous.
    expect(logs).toContain('"route":"/v1/public/documents/:documentId","status":"200"');
    expect(logs).not.toContain(linkSignature);
    expect(logs).not.toContain("expires=");
    expect(logs).not.toContain(APPLICANT);
  });
});
