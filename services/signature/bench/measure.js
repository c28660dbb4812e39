// The signature figure of the performance target, measured in one place for
// both `node services/signature/bench/signing.js` and `lienthong bench`:
// signed result documents per second (the certificate check, render one page
// and PAdES-sign it: the code path of a decision's result) and raw node:crypto
// RSA-PSS-2048 signatures per second, both on this thread in this run.
//
// Rounds alternate between the two measurements so that a neighbour taking
// the CPU for a while weighs on both alike. Needs the signature service built.
"use strict";
const { constants, generateKeyPairSync, sign } = require("node:crypto");
const { mkdtemp, rm } = require("node:fs/promises");
const { tmpdir } = require("node:os");
const path = require("node:path");
const { performance } = require("node:perf_hooks");
const { ensureTestPki } = require("../dist/pki");
const { checkSignerCertificate } = require("../dist/pki/signer-check");
const { certificatesFromPem } = require("../dist/pki/certificates");
const { renderAndSignResult } = require("../dist/pdf");

const ROUNDS = 4;
const WARMUP_RAW_SIGNATURES = 200;
const WARMUP_DOCUMENTS = 100;

function result(sequence, decidedAt) {
  const code = `000.00.06.H56-261121-${String(sequence % 10000).padStart(4, "0")}`;
  return {
    authorityName: "Ủy ban nhân dân xã Mường Lát",
    placeName: "Mường Lát",
    dossierCode: code,
    procedureName: "Đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới",
    applicantFullName: "Nguyễn Thị Thuỳ Dương",
    approved: true,
    summary:
      "Hồ sơ đầy đủ, hợp lệ. Đồng ý cấp Giấy khai sinh bản chính và 02 bản sao; công dân nhận kết quả " +
      "tại Trung tâm Phục vụ hành chính công xã hoặc qua dịch vụ bưu chính công ích.",
    decidedAt,
    officialId: "official-demo",
    trackingUrl: `https://dichvucong.thanhhoa.gov.vn/tra-cuu-ho-so/${code}`,
  };
}

/**
 * @param {{ level: "B-B" | "B-T" | "B-LT", seconds: number, onRound?: (done: number, rounds: number) => void }} options
 * @returns {Promise<{ level: string, seconds: number, rawRsaPssPerSecond: number, signedPerSecond: number, ratio: number, documentBytes: number }>}
 */
async function measureSigning({ level, seconds, onRound }) {
  const dir = await mkdtemp(path.join(tmpdir(), "lienthong-bench-signing-"));
  try {
    const pki = await ensureTestPki(path.join(dir, "pki"));
    const official = pki.credential("official-demo");
    const signOptions = (signedAt) => ({
      level,
      reason: "Kết quả giải quyết hồ sơ",
      location: "Ủy ban nhân dân xã Mường Lát",
      signedAt,
      timestampAuthority: pki.tsa,
      revocation: pki.revocation,
    });
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    // About the size of the signed attributes a document signature covers.
    const data = Buffer.alloc(180, 7);
    const raw = () =>
      sign("sha256", data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });

    let sequence = 0;
    const trust = { anchors: certificatesFromPem(pki.caCertPem), revocation: pki.revocation };
    // A decision's result as the use case makes it: the certificate check Circular 15 asks before every signature, then render and sign.
    const document = async () => {
      const at = new Date();
      await checkSignerCertificate(official, trust, at);
      return renderAndSignResult(result(sequence++, at), official, signOptions(at));
    };
    // Warm up both paths: fonts are prepared, code is compiled.
    for (let i = 0; i < WARMUP_RAW_SIGNATURES; i += 1) raw();
    for (let i = 0; i < WARMUP_DOCUMENTS; i += 1) await document();

    const totals = { raw: { count: 0, ms: 0 }, documents: { count: 0, ms: 0 } };
    const slice = (seconds * 1000) / ROUNDS;
    for (let round = 0; round < ROUNDS; round += 1) {
      let start = performance.now();
      while (performance.now() - start < slice) {
        raw();
        totals.raw.count += 1;
      }
      totals.raw.ms += performance.now() - start;
      start = performance.now();
      while (performance.now() - start < slice) {
        await document();
        totals.documents.count += 1;
      }
      totals.documents.ms += performance.now() - start;
      onRound?.(round + 1, ROUNDS);
    }
    const sample = await document();
    const rawRsaPssPerSecond = (totals.raw.count * 1000) / totals.raw.ms;
    const signedPerSecond = (totals.documents.count * 1000) / totals.documents.ms;
    return {
      level,
      seconds,
      rawRsaPssPerSecond,
      signedPerSecond,
      ratio: signedPerSecond / rawRsaPssPerSecond,
      documentBytes: sample.length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

module.exports = { measureSigning };
