import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PadesLevel, PadesOptions } from "../../src/pdf";
import {
  certificatesFromPem,
  ensureTestPki,
  type SignerCredential,
  type TestPki,
  type TestSignerSpec,
} from "../../src/pki";
import type { TrustContext } from "../../src/verification/evaluate";
import { run } from "./peers";

/** A test PKI in a temporary directory, with the trust context that anchors on its root. */
export interface PkiFixture {
  dir: string;
  pki: TestPki;
  trust: TrustContext;
  signer(id: string): SignerCredential;
  options(level: PadesLevel, overrides?: Partial<PadesOptions>): PadesOptions;
  remove(): Promise<void>;
}

export async function pkiFixture(options: { signers?: readonly TestSignerSpec[] } = {}): Promise<PkiFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), "lienthong-signature-"));
  const pki = await ensureTestPki(path.join(dir, "pki"), options);
  const trust: TrustContext = {
    anchors: certificatesFromPem(pki.caCertPem),
    revocation: pki.revocation,
    now: () => new Date(),
  };
  return {
    dir,
    pki,
    trust,
    signer: (id) => pki.credential(id) ?? fail(`the test PKI has no signer ${id}`),
    options: (level, overrides = {}) => ({
      level,
      reason: "Kết quả giải quyết hồ sơ 000.00.06.H56-261121-0361",
      location: "Ủy ban nhân dân xã Mường Lát (Thanh Hóa)",
      signedAt: new Date(),
      timestampAuthority: pki.tsa,
      revocation: pki.revocation,
      ...overrides,
    }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** An NSS database (certutil) that trusts the test root, as pdfsig reads it. */
export async function nssTrustingRoot(fixture: PkiFixture): Promise<string> {
  const nssDir = path.join(fixture.dir, "nss");
  await mkdir(nssDir, { recursive: true });
  const created = await run("certutil", ["-N", "-d", `sql:${nssDir}`, "--empty-password"]);
  if (created.code !== 0) throw new Error(`certutil -N: ${created.stderr}`);
  const added = await run("certutil", [
    "-A",
    "-d",
    `sql:${nssDir}`,
    "-n",
    "lienthong-test-root",
    "-t",
    "C,C,C",
    "-i",
    fixture.pki.caCertPath,
  ]);
  if (added.code !== 0) throw new Error(`certutil -A: ${added.stderr}`);
  return `sql:${nssDir}`;
}

/** The bytes the n-th signature (1-based, default the last) covers and its CMS, cut by its /ByteRange. */
export function splitSignedPdf(pdf: Buffer, which?: number): { content: Buffer; cms: Buffer } {
  const ranges = [...pdf.toString("latin1").matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const match = ranges[(which ?? ranges.length) - 1] ?? fail("no /ByteRange");
  const [a, b, c, d] = match.slice(1).map(Number) as [number, number, number, number];
  const content = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  const padded = Buffer.from(pdf.toString("latin1", b + 1, c - 1), "hex");
  return { content, cms: padded.subarray(0, derLength(padded)) };
}

/** Length of the DER object at the start of `der` (header plus content). */
function derLength(der: Buffer): number {
  const first = der[1] ?? 0;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  return 2 + octets + der.readUIntBE(2, octets);
}

export function fail(message: string): never {
  throw new Error(message);
}
