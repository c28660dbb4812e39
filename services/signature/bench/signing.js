#!/usr/bin/env node
// The signature figure of the performance target: signed result documents per
// second (render one page and PAdES-sign it, the code path of a decision's
// result) divided by raw node:crypto RSA-PSS-2048 signatures per second, both
// measured in this run, on one thread. Target: ratio >= 0.2.
//
//   npm run build && node services/signature/bench/signing.js [--level B-B|B-T|B-LT] [--seconds 3]
//
// Rounds alternate between the two measurements so that a neighbour taking
// the CPU for a while weighs on both alike.
"use strict";
const { constants, generateKeyPairSync, sign } = require("node:crypto");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const path = require("node:path");
const { ensureTestPki } = require("../dist/pki");
const { checkSignerCertificate } = require("../dist/pki/signer-check");
const { certificatesFromPem } = require("../dist/pki/certificates");
const { renderAndSignResult } = require("../dist/pdf");

const TARGET = 0.2;
const ROUNDS = 4;

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

const level = option("level", process.env.SIGNATURE_LEVEL || "B-T");
const seconds = Number(option("seconds", "3"));

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

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "lienthong-bench-"));
  try {
    const pki = await ensureTestPki(path.join(dir, "pki"));
    const official = pki.credential("official-demo");
    const options = (signedAt) => ({
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
      await renderAndSignResult(result(sequence++, at), official, options(at));
    };
    // Warm up both paths: fonts are prepared, code is compiled.
    for (let i = 0; i < 200; i += 1) raw();
    for (let i = 0; i < 100; i += 1) await document();

    const totals = { raw: { count: 0, ms: 0 }, documents: { count: 0, ms: 0 }, bytes: 0 };
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
    }
    const sample = await renderAndSignResult(result(1, new Date()), official, options(new Date()));
    const rawRate = (totals.raw.count * 1000) / totals.raw.ms;
    const documentRate = (totals.documents.count * 1000) / totals.documents.ms;
    const ratio = documentRate / rawRate;
    process.stdout.write(
      [
        `raw node:crypto RSA-PSS-2048 signatures/s: ${rawRate.toFixed(0)}`,
        `signed result documents/s (certificate check + render + PAdES ${level}, RSA-PSS-2048): ${documentRate.toFixed(0)} ` +
          `(${(1000 / documentRate).toFixed(2)} ms each, ${sample.length} bytes)`,
        `ratio: ${ratio.toFixed(3)} (target >= ${TARGET}) ${ratio >= TARGET ? "MET" : "NOT MET"}`,
        JSON.stringify({ level, rawSignaturesPerSecond: rawRate, documentsPerSecond: documentRate, ratio }),
        "",
      ].join("\n"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
