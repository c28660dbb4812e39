import { readdir } from "node:fs/promises";
import path from "node:path";
import { common, EventTypes, events } from "@lienthong/contracts";
import { EmbeddedDocumentStore, type WriteOp } from "@lienthong/storage";
import { verifyPdf } from "../../src/pdf";
import { SigningError } from "../../src/pki";
import { signatureCollections } from "../../src/store/collections";
import { DocumentFiles } from "../../src/store/document-files";
import {
  assertCertificateMatches,
  keyHoldersMaySign,
  type SigningAuthorization,
} from "../../src/use-cases/authorize-signer";
import type { SignaturePorts } from "../../src/use-cases/ports";
import { signDocument } from "../../src/use-cases/sign-document";
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
    write.kind === "put" && write.collection !== "documents" ? [write.data as { type: string; data: string }] : [],
  );
}

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
      ],
    });
    await fixture.pki.revoke("revoked-demo", new Date(Date.now() - 60_000));
    store = await EmbeddedDocumentStore.open({ path: path.join(fixture.dir, "store.db"), durability: "normal" });
    await store.ensureCollections(signatureCollections);
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
      trackingUrl: (code) => `https://dichvucong.example.vn/tra-cuu/${code}`,
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

  it("retries later, without an outcome, when the time-stamping authority is out of reach", async () => {
    const before = await storedDocuments();
    const unreachable: SignaturePorts = {
      ...ports,
      timestampAuthority: {
        timestamp: () =>
          Promise.reject(new SigningError("TIMESTAMP_FAILED", "the time-stamping authority did not answer")),
      },
    };
    await expect(
      signResult(unreachable, signatureRequested("official-demo", "0b7c2f4e-0000-4000-8000-000000000301")),
    ).rejects.toMatchObject({ code: "TIMESTAMP_FAILED", retriable: true });
    expect(await storedDocuments()).toEqual(before);
  });

  it("refuses over the API with the signing code, and stores nothing", async () => {
    const before = await storedDocuments();
    await expect(
      signDocument(ports, { pdf: renderResultDocument(sampleResult()), signerId: "revoked-demo" }),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", details: { signingError: "CERTIFICATE_REVOKED" } });
    await expect(
      signDocument(ports, { pdf: renderResultDocument(sampleResult()), signerId: "expired-demo" }),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", details: { signingError: "CERTIFICATE_EXPIRED" } });
    expect(await storedDocuments()).toEqual(before);
  });
});
