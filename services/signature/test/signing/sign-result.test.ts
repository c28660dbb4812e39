import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { common, EventTypes, events } from "@lienthong/contracts";
import { messagingCollections, outbox, type OutboxRecord } from "@lienthong/messaging";
import {
  AuditLog,
  EXAMPLE_PUBLIC_LINK_SECRET,
  auditCollections,
  auditLog,
  type AuditRecord,
} from "@lienthong/service-host";
import { ConflictError, EmbeddedDocumentStore, type WriteOp } from "@lienthong/storage";
import { verifyPdf } from "../../src/pdf";
import { SigningError, type SigningErrorCode } from "../../src/pki";
import type { TimestampAuthority } from "../../src/cades/timestamp";
import { documents, signatureCollections, signatureRetries, type DocumentRecord } from "../../src/store/collections";
import { DocumentFiles } from "../../src/store/document-files";
import {
  assertCertificateMatches,
  directoryLeaders,
  type SigningAuthorization,
} from "../../src/use-cases/authorize-signer";
import type { SignaturePorts } from "../../src/use-cases/ports";
import { signDocument } from "../../src/use-cases/sign-document";
import { issueSlip, slipDocumentId, type SlipRequest } from "../../src/use-cases/issue-slip";
import { retryParkedSignatures } from "../../src/use-cases/retry-parked";
import { sha256Hex } from "../../src/use-cases/signing-audit";
import { signResult } from "../../src/use-cases/sign-result";
import { renderResultDocument } from "../../src/pdf";
import { sampleResult } from "../support/fixtures";
import { pkiFixture, type PkiFixture } from "../support/pki";

const MUONG_LAT = { code: "14845", name: "Ủy ban nhân dân xã Mường Lát" };

/** A decision's signature request as routing publishes it (decoded, as the host hands it to the use case). */
function signatureRequested(officialId: string, requestId: string): events.SignatureRequested {
  return events.SignatureRequested.fromPartial({
    dossierId: "dossier-1",
    dossierCode: "14845-261121-0001",
    requestId,
    procedureName: "Đăng ký khai sinh",
    competentAuthority: {
      ...MUONG_LAT,
      level: common.AgencyLevel.AGENCY_LEVEL_COMMUNE,
      communeCode: "14845",
      provinceCode: "38",
    },
    outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
    officialId,
    summary: "Đồng ý cấp Giấy khai sinh.",
    applicantFullName: "Lò Thị Mai",
  });
}

/** The outbox records among the writes: event type and base64 payload. */
function eventsOf(writes: WriteOp[]): { type: string; data: string }[] {
  return writes.flatMap((write) =>
    write.kind === "put" && write.collection === outbox.name ? [write.data as { type: string; data: string }] : [],
  );
}

/** The audit entries among the writes: what is committed with the outcome. */
function auditOf(writes: WriteOp[]): AuditRecord[] {
  return writes.flatMap((write) =>
    write.kind === "put" && write.collection === auditLog.name ? [write.data as AuditRecord] : [],
  );
}

/** How an audit entry names a signer's certificate, read by node:crypto from the test PKI's file (not its subject). */
function certificatePart(fixture: PkiFixture, officialId: string): string {
  const certificate = new X509Certificate(
    readFileSync(path.join(fixture.dir, "pki", "signers", `${officialId}.cert.pem`)),
  );
  const fingerprint = certificate.fingerprint256.replaceAll(":", "").toLowerCase();
  const issuer = certificate.issuer.split("\n").reverse().join(", ");
  return `certificate:${fingerprint} serial:${certificate.serialNumber.toLowerCase()} issuer:${issuer}`;
}

/** Every key the signer directory holds may sign (the rules are not what these tests are about). */
const keyHoldersMaySign: SigningAuthorization = { allows: () => true };

function failureOf(writes: WriteOp[]): events.SignatureFailed | undefined {
  const [event] = eventsOf(writes);
  if (event?.type !== EventTypes.signatureFailed.type) return undefined;
  return events.SignatureFailed.decode(Buffer.from(event.data, "base64"));
}

describe("signing a decision's result: certificate checks and authorization before every signature", () => {
  let fixture: PkiFixture;
  let store: EmbeddedDocumentStore;
  let ports: SignaturePorts;
  let documentsDir: string;
  let authorization: SigningAuthorization;
  const defects: object[] = [];
  const notIssued: { kind: string; reason: string }[] = [];

  beforeAll(async () => {
    fixture = await pkiFixture({
      signers: [
        { id: "official-demo", title: "Chủ tịch Ủy ban nhân dân xã Mường Lát", unit: MUONG_LAT.name, key: "rsa-2048" },
        { id: "revoked-demo", title: "Phó Chủ tịch Ủy ban nhân dân xã Mường Lát", unit: MUONG_LAT.name },
        {
          id: "expired-demo",
          title: "Nguyên Chủ tịch",
          unit: MUONG_LAT.name,
          notAfter: new Date(Date.now() - 86_400_000),
        },
        // Leaders as the signer directory declares them: each signs results for their own authority.
        { id: "chu-tich-muong-lat", title: "Chủ tịch", unit: MUONG_LAT.name, authorityCodes: [MUONG_LAT.code] },
        {
          id: "chu-tich-tam-chung",
          title: "Chủ tịch",
          unit: "Ủy ban nhân dân xã Tam Chung",
          authorityCodes: ["14848"],
        },
        // A desk officer: signs the slips of their own unit.
        { id: "tiep-nhan-muong-lat", title: "Cán bộ tiếp nhận", unit: MUONG_LAT.name, unitCodes: [MUONG_LAT.code] },
      ],
    });
    await fixture.pki.revoke("revoked-demo", new Date(Date.now() - 60_000));
    store = await EmbeddedDocumentStore.open({ path: path.join(fixture.dir, "store.db"), durability: "normal" });
    await store.ensureCollections([...signatureCollections, ...auditCollections, ...messagingCollections]);
    const audit = new AuditLog(store, "signature", () => new Date(), { info: () => {}, error: () => {} });
    documentsDir = path.join(fixture.dir, "documents");
    ports = {
      store,
      commit: (ops) => store.commit(ops),
      files: new DocumentFiles(documentsDir),
      signers: { officialIds: fixture.pki.signerIds, credential: (id) => fixture.pki.credential(id) },
      authorization: { allows: (officialId, authority) => authorization.allows(officialId, authority) },
      trust: { anchors: fixture.trust.anchors, revocation: fixture.pki.revocation },
      timestampAuthority: fixture.pki.tsa,
      defaultLevel: "B-T",
      retryHorizonMs: 60_000,
      placeOf: (code) => (code === MUONG_LAT.code ? "Mường Lát" : undefined),
      trackingUrl: (code) => `https://dichvucong.example.vn/tra-cuu/${code}`,
      audit: { decided: (entry) => audit.append(entry), record: (entry) => audit.record(entry) },
      publicLinks: { current: EXAMPLE_PUBLIC_LINK_SECRET },
      logger: { error: (details) => defects.push(details) },
      slipsNotIssued: (kind, reason) => notIssued.push({ kind, reason }),
      now: () => new Date(),
    };
  });

  beforeEach(() => {
    authorization = keyHoldersMaySign;
  });

  afterAll(async () => {
    await store.close();
    await fixture.remove();
  });

  /** The types of the events committed to the outbox about one signature request, in order. */
  async function outboxTypes(requestId: string): Promise<string[]> {
    const requestOf = (record: OutboxRecord): string => {
      const bytes = Buffer.from(record.data, "base64");
      if (record.type === EventTypes.documentSigned.type) return events.DocumentSigned.decode(bytes).requestId;
      if (record.type === EventTypes.signatureFailed.type) return events.SignatureFailed.decode(bytes).requestId;
      return "";
    };
    const records = await store.find(outbox, { orderBy: { field: "sequence" } });
    return records
      .map(({ data }) => data)
      .filter((record) => requestOf(record) === requestId)
      .map((record) => record.type);
  }

  /** The slipIssued events committed to the outbox for one slip. */
  async function slipsIssued(documentId: string): Promise<events.SlipIssued[]> {
    const records = await store.find(outbox, { orderBy: { field: "sequence" } });
    return records
      .filter(({ data }) => data.type === EventTypes.slipIssued.type)
      .map(({ data }) => events.SlipIssued.decode(Buffer.from(data.data, "base64")))
      .filter((slip) => slip.documentId === documentId);
  }

  /** A receipt slip (form 01) of one dossier, as issue-slip.ts reads it from applicationAccepted. */
  function receipt(n: string): SlipRequest {
    return {
      kind: "receipt",
      dossierId: `00000000-0000-4000-8000-00000000${n}`,
      dossierCode: `14845-261204-${n}`,
      occurrence: "",
      issuedAt: "2026-12-04T02:32:00.000Z",
      officialId: "tiep-nhan-muong-lat",
      procedureName: "Đăng ký khai sinh",
      issuer: MUONG_LAT,
      receivingUnitCode: MUONG_LAT.code,
      competentAuthority: MUONG_LAT,
      appointmentAt: "2026-12-11T02:00:00.000Z",
    };
  }

  const documentRecordIn = (writes: WriteOp[]) =>
    writes.flatMap((write) =>
      write.kind === "put" && write.collection === documents.name ? [write.data as DocumentRecord] : [],
    )[0];

  it("records the stored bytes when two members issue the same slip at once; the later commit conflicts", async () => {
    const slip = receipt("0901");
    const documentId = slipDocumentId(slip);
    // Two members after a rebalance: neither has committed when both sign (each its own bytes: ECDSA, time-stamp).
    const [first, second] = await Promise.all([issueSlip(ports, slip), issueSlip(ports, slip)]);
    const onDisk = sha256Hex(await ports.files.read(documentId));
    expect(documentRecordIn(first)?.sha256).toBe(onDisk);
    expect(documentRecordIn(second)?.sha256).toBe(onDisk);
    await store.commit(first);
    await expect(store.commit(second)).rejects.toBeInstanceOf(ConflictError);
    // The loser's retry finds the slip: nothing more, and the file is still the one recorded.
    expect(await issueSlip(ports, slip)).toEqual([]);
    expect((await store.get(documents, documentId))?.data.sha256).toBe(onDisk);
    expect(sha256Hex(await ports.files.read(documentId))).toBe(onDisk);
  });

  async function storedDocuments(): Promise<string[]> {
    return readdir(documentsDir).catch(() => []);
  }

  it("signs the result of an authorized official with a valid certificate and announces it", async () => {
    const writes = await signResult(ports, signatureRequested("official-demo", "0b7c2f4e-0000-4000-8000-000000000001"));
    const [signed] = eventsOf(writes);
    expect(signed?.type).toBe(EventTypes.documentSigned.type);
    const pdf = await ports.files.read("0b7c2f4e-0000-4000-8000-000000000001");
    expect((await verifyPdf(pdf, fixture.trust)).signatures[0]).toMatchObject({
      indication: "TOTAL_PASSED",
      level: "B-T",
    });
  });

  it("signs for a leader of the dossier's authority per the signer directory, and records both tenants and the audit entry", async () => {
    authorization = directoryLeaders(ports.signers);
    const requestId = "0b7c2f4e-0000-4000-8000-000000000011";
    const writes = await signResult(ports, signatureRequested("chu-tich-muong-lat", requestId));
    expect(eventsOf(writes).map((event) => event.type)).toEqual([EventTypes.documentSigned.type]);
    const stored = writes.find((write) => write.kind === "put" && write.collection === "documents");
    const record = (stored as { data: { sha256: string } } | undefined)?.data;
    expect(record).toMatchObject({ receivingUnitCode: "14845", competentAuthorityCode: MUONG_LAT.code });
    // The signing's entry travels in the same commit as the document record.
    expect(auditOf(writes)).toEqual([
      expect.objectContaining({
        action: "sign_result",
        outcome: "done",
        officialId: "chu-tich-muong-lat",
        target: `document:${requestId} sha256:${record?.sha256} authority:14845 dossier:dossier-1 request:${requestId} ${certificatePart(fixture, "chu-tich-muong-lat")}`,
      }),
    ]);
  });

  it.each([
    ["a leader of another authority", "chu-tich-tam-chung"],
    ["a key holder the directory declares for no authority", "official-demo"],
  ])(
    "refuses %s per the signer directory: signatureFailed, a refused audit entry, no document",
    async (_label, officialId) => {
      authorization = directoryLeaders(ports.signers);
      const before = await storedDocuments();
      const requestId = `0b7c2f4e-0000-4000-8000-0000000000${officialId === "official-demo" ? 21 : 22}`;
      const writes = await signResult(ports, signatureRequested(officialId, requestId));
      expect(failureOf(writes)?.reason).toBe(
        "[SIGNER_NOT_AUTHORIZED] Cán bộ không có thẩm quyền ký cho cơ quan giải quyết hồ sơ này",
      );
      expect(auditOf(writes)).toEqual([
        expect.objectContaining({
          action: "sign_result",
          outcome: "refused",
          officialId,
          reason: "SIGNER_NOT_AUTHORIZED",
        }),
      ]);
      expect(await storedDocuments()).toEqual(before);
    },
  );

  it("answers a notice that cannot be rendered, and even a defect, with signatureFailed rather than a dead letter", async () => {
    const tooLong = events.SignatureRequested.fromPartial({
      ...signatureRequested("official-demo", "0b7c2f4e-0000-4000-8000-000000000031"),
      summary: "Hồ sơ đầy đủ, hợp lệ. ".repeat(400),
    });
    expect(failureOf(await signResult(ports, tooLong))?.reason).toBe(
      "[INVALID_DOCUMENT_INPUT] Nội dung văn bản kết quả không hợp lệ",
    );
    const defective: SignaturePorts = {
      ...ports,
      trackingUrl: () => {
        throw new TypeError("a defect");
      },
    };
    const writes = await signResult(
      defective,
      signatureRequested("official-demo", "0b7c2f4e-0000-4000-8000-000000000032"),
    );
    expect(failureOf(writes)?.reason).toBe("[INTERNAL] Không ký được văn bản kết quả");
    expect(defects).toHaveLength(1);
    // A request id that cannot name a document is refused the same way, before any key is used.
    expect(failureOf(await signResult(ports, signatureRequested("official-demo", "not-a-uuid")))?.reason).toBe(
      "[INVALID_DOCUMENT_INPUT] Nội dung văn bản kết quả không hợp lệ",
    );
  });

  it("answers every signing failure with signatureFailed naming its code, except those that may heal, which are parked", async () => {
    // Every code of the signing core: the compiler asks for a new one here.
    const codes: Record<SigningErrorCode, true> = {
      INVALID_SIGNER_ID: true,
      BAD_PKCS12: true,
      BAD_KEY_FILE: true,
      TEST_PKI_UNREADABLE: true,
      INVALID_DOCUMENT_INPUT: true,
      INVALID_PDF: true,
      WEAK_KEY: true,
      UNKNOWN_SIGNER: true,
      SIGNER_NOT_AUTHORIZED: true,
      CERTIFICATE_NOT_YET_VALID: true,
      CERTIFICATE_EXPIRED: true,
      CERTIFICATE_REVOKED: true,
      REVOCATION_UNKNOWN: true,
      KEY_USAGE_NOT_ALLOWED: true,
      UNTRUSTED_SIGNER: true,
      EXTERNAL_SIGNER_FAILED: true,
      TIMESTAMP_FAILED: true,
      SIGNATURE_TOO_LARGE: true,
    };
    const outcomes: Record<string, string> = {};
    for (const [index, code] of (Object.keys(codes) as SigningErrorCode[]).entries()) {
      authorization = { allows: () => Promise.reject(new SigningError(code, "injected")) };
      const request = signatureRequested(
        "official-demo",
        `0b7c2f4e-0000-4000-8000-0000000005${String(index).padStart(2, "0")}`,
      );
      outcomes[code] = await signResult(ports, request).then(
        (writes) =>
          failureOf(writes)?.reason.replace(/\].*$/, "]") ??
          (writes.some((write) => write.kind === "put" && write.collection === signatureRetries.name)
            ? "parked"
            : "no outcome"),
        () => "dead letter",
      );
    }
    expect(outcomes).toEqual(
      Object.fromEntries(
        Object.keys(codes).map((code) => [
          code,
          code === "EXTERNAL_SIGNER_FAILED" || code === "TIMESTAMP_FAILED" ? "parked" : `[${code}]`,
        ]),
      ),
    );
  });

  it.each([
    ["a revoked certificate", "revoked-demo", "[CERTIFICATE_REVOKED] Chứng thư số của người ký đã bị thu hồi"],
    ["an expired certificate", "expired-demo", "[CERTIFICATE_EXPIRED] Chứng thư số của người ký đã hết hạn"],
    [
      "an official without a key here",
      "nobody-demo",
      "[UNKNOWN_SIGNER] Cán bộ không có chứng thư số tại dịch vụ ký số",
    ],
  ])("refuses %s: a signatureFailed event with the reason, no document", async (_label, officialId, reason) => {
    const before = await storedDocuments();
    const writes = await signResult(
      ports,
      signatureRequested(officialId, `0b7c2f4e-0000-4000-8000-00000000010${before.length}`),
    );
    expect(failureOf(writes)?.reason).toBe(reason);
    expect(writes.some((write) => write.kind === "put" && write.collection === "documents")).toBe(false);
    expect(await storedDocuments()).toEqual(before);
  });

  it("refuses an official the authorization rules do not allow for the dossier's authority", async () => {
    const asked: string[] = [];
    authorization = {
      allows: (officialId, authority) => {
        asked.push(`${officialId}@${authority.code}`);
        return false;
      },
    };
    const writes = await signResult(ports, signatureRequested("official-demo", "0b7c2f4e-0000-4000-8000-000000000201"));
    expect(asked).toEqual(["official-demo@14845"]);
    expect(failureOf(writes)?.reason).toBe(
      "[SIGNER_NOT_AUTHORIZED] Cán bộ không có thẩm quyền ký cho cơ quan giải quyết hồ sơ này",
    );
  });

  it("refuses a certificate that names another official or another authority", () => {
    const official = fixture.signer("official-demo");
    expect(() =>
      assertCertificateMatches({ ...official, officialId: "deputy-demo" }, { officialId: "deputy-demo" }),
    ).toThrow(expect.objectContaining({ code: "SIGNER_NOT_AUTHORIZED" }));
    expect(() =>
      assertCertificateMatches(
        { ...official, authorityCodes: ["16279"] },
        { officialId: "official-demo", competentAuthority: MUONG_LAT },
      ),
    ).toThrow(expect.objectContaining({ code: "SIGNER_NOT_AUTHORIZED" }));
    expect(() =>
      assertCertificateMatches(
        { ...official, authorityCodes: ["14845"] },
        { officialId: "official-demo", competentAuthority: MUONG_LAT },
      ),
    ).not.toThrow();
  });

  describe("when the time-stamping authority is out of reach", () => {
    const down: TimestampAuthority = {
      timestamp: () =>
        Promise.reject(new SigningError("TIMESTAMP_FAILED", "the time-stamping authority did not answer")),
    };
    /** The ports with a clock the test moves and a TSA it switches. */
    function withClock(start: Date, tsa: { current: TimestampAuthority | undefined }) {
      let now = start;
      const clocked: SignaturePorts = {
        ...ports,
        get timestampAuthority() {
          return tsa.current;
        },
        now: () => now,
      };
      return { ports: clocked, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
    }
    const parkedIn = (writes: WriteOp[]) =>
      writes.filter((write) => write.kind === "put" && write.collection === signatureRetries.name);

    it("parks the request without an outcome, and signs it once the authority is back", async () => {
      const before = await storedDocuments();
      const tsa = { current: down as TimestampAuthority | undefined };
      const clock = withClock(new Date(), tsa);
      const requestId = "0b7c2f4e-0000-4000-8000-000000000301";
      const writes = await signResult(clock.ports, signatureRequested("official-demo", requestId));
      expect(eventsOf(writes)).toEqual([]);
      expect(parkedIn(writes)).toHaveLength(1);
      await store.commit(writes);
      expect(await storedDocuments()).toEqual(before);
      // A redelivery of the request changes nothing: the retry worker owns it.
      expect(await signResult(clock.ports, signatureRequested("official-demo", requestId))).toEqual([]);

      // Not due yet; then due, the authority still down: it waits longer, still without an outcome.
      expect(await retryParkedSignatures(clock.ports)).toBe(false);
      expect((await store.get(signatureRetries, requestId))?.data.attempts).toBe(1);
      clock.advance(5_000);
      await retryParkedSignatures(clock.ports);
      expect((await store.get(signatureRetries, requestId))?.data).toMatchObject({
        attempts: 2,
        lastError: "TIMESTAMP_FAILED",
      });
      expect(await outboxTypes(requestId)).toEqual([]);

      tsa.current = fixture.pki.tsa;
      clock.advance(10_000);
      await retryParkedSignatures(clock.ports);
      expect(await store.get(signatureRetries, requestId)).toBeUndefined();
      expect(await store.get(documents, requestId)).toBeDefined();
      const pdf = await ports.files.read(requestId);
      expect((await verifyPdf(pdf, fixture.trust)).signatures[0]).toMatchObject({ indication: "TOTAL_PASSED" });
      expect(await outboxTypes(requestId)).toEqual([EventTypes.documentSigned.type]);
    });

    it("parks a desk slip instead of dead-lettering it, and issues it once the authority is back", async () => {
      const tsa = { current: down as TimestampAuthority | undefined };
      const clock = withClock(new Date(), tsa);
      const slip = receipt("0902");
      const documentId = slipDocumentId(slip);
      const writes = await issueSlip(clock.ports, slip);
      expect(parkedIn(writes)).toHaveLength(1);
      expect(documentRecordIn(writes)).toBeUndefined();
      await store.commit(writes);
      expect(await issueSlip(clock.ports, slip)).toEqual([]);

      tsa.current = fixture.pki.tsa;
      clock.advance(5_000);
      await retryParkedSignatures(clock.ports);
      expect(await store.get(signatureRetries, documentId)).toBeUndefined();
      expect((await store.get(documents, documentId))?.data).toMatchObject({
        slipKind: events.SlipKind.SLIP_KIND_RECEIPT,
      });
      expect(await slipsIssued(documentId)).toHaveLength(1);
    });

    it("refuses a parked slip at the retry horizon, counted by kind and reason, and tells operators", async () => {
      const clock = withClock(new Date(), { current: down });
      const slip = receipt("0903");
      const documentId = slipDocumentId(slip);
      await store.commit(await issueSlip(clock.ports, slip));
      const told = defects.length;
      const counted = notIssued.length;
      clock.advance(ports.retryHorizonMs);
      await retryParkedSignatures(clock.ports);
      expect(await store.get(signatureRetries, documentId)).toBeUndefined();
      expect(await store.get(documents, documentId)).toBeUndefined();
      expect(await slipsIssued(documentId)).toEqual([]);
      expect(notIssued.slice(counted)).toEqual([{ kind: "receipt", reason: "TIMESTAMP_FAILED" }]);
      expect(defects.slice(told)).toEqual([
        expect.objectContaining({ documentId, dossierId: slip.dossierId, reason: "TIMESTAMP_FAILED" }),
      ]);
      const refusedEntry = (await store.find(auditLog, {}))
        .map(({ data }) => data)
        .find((entry) => entry.action === "issue_slip" && entry.target.includes(`document:${documentId}`));
      expect(refusedEntry).toMatchObject({ outcome: "refused", reason: "TIMESTAMP_FAILED" });
    });

    it("answers with signatureFailed once the retry horizon is passed, and tells operators", async () => {
      const clock = withClock(new Date(), { current: down });
      const requestId = "0b7c2f4e-0000-4000-8000-000000000302";
      await store.commit(await signResult(clock.ports, signatureRequested("official-demo", requestId)));
      const told = defects.length;
      clock.advance(ports.retryHorizonMs);
      await retryParkedSignatures(clock.ports);
      expect(await store.get(signatureRetries, requestId)).toBeUndefined();
      expect(await store.get(documents, requestId)).toBeUndefined();
      expect(await outboxTypes(requestId)).toEqual([EventTypes.signatureFailed.type]);
      expect(defects.slice(told)).toEqual([expect.objectContaining({ requestId, reason: "TIMESTAMP_FAILED" })]);
    });
  });

  it("refuses over the API with the signing code, and stores nothing", async () => {
    const before = await storedDocuments();
    /** The official's token forwarded by Mường Lát's system: the signer is the token's subject. */
    const as = (subject: string) => ({
      client: { clientId: "muong-lat-commune-system", unitCodes: new Set([MUONG_LAT.code]) },
      official: {
        subject,
        unitCodes: new Set([MUONG_LAT.code]),
        roles: new Set(["document_signer"] as const),
      },
    });
    await expect(
      signDocument(ports, as("revoked-demo"), { pdf: renderResultDocument(sampleResult()) }),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", details: { signingError: "CERTIFICATE_REVOKED" } });
    await expect(
      signDocument(ports, as("expired-demo"), { pdf: renderResultDocument(sampleResult()) }),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", details: { signingError: "CERTIFICATE_EXPIRED" } });
    expect(await storedDocuments()).toEqual(before);
  });
});
