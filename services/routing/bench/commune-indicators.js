#!/usr/bin/env node
// A province's commune ranking read two ways (docs/decisions.md §42): once per commune, as the console did
// (GET /v1/indicators/:commune for each commune, six at a time, plus the province's own figures), and in one
// read (GET /v1/indicators/:province/communes). Routing runs in this process on a fresh embedded store, over
// HTTP with an operator's development token, with the units list of ../shared/data (every commune of the
// province) and synthetic dossiers spread over the year to today: received at, and decided by, the province's
// communes, finished early, on time or late, or still open (some overdue). Invented records, no person's data.
// Each way is timed twice: the first read counts and keeps every closed day (per commune, §30; per province,
// every commune in one document a day, §42), the second reads what was kept. The one read goes first, so the
// per-commune reads find nothing of it kept (they keep their own days anyway).
// Usage (after building routing and its libraries): node services/routing/bench/commune-indicators.js
//   [--dossiers 5000] [--province 38] [--units <units file>] [--json]
"use strict";
const { mkdtempSync, rmSync } = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { common } = require("@lienthong/contracts");
const { AUTHORIZATION_HEADER, DEVELOPMENT_OFFICIALS, openDevelopmentIssuer } = require("@lienthong/service-host");
const { put } = require("@lienthong/storage");
const { assignments, createRoutingService } = require("../dist");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const json = args.includes("--json");
const dossiers = Number(option("dossiers", "5000"));
const provinceCode = option("province", "38");
const unitsFile = path.resolve(
  option("units", path.join(__dirname, "../../../../shared/data/vn-units-2025-07-01.json")),
);
/** The console's former concurrency for the per-commune reads. */
const CONCURRENT_REQUESTS = 6;
const DAY_MS = 24 * 3_600_000;

/** mulberry32: seeded, so every run builds the same dossiers. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A dossier of a commune as routing would have stored it once accepted, at a state the indicators count. */
function syntheticAssignment(index, commune, now, random) {
  const acceptedMs = now.getTime() - random() * 364 * DAY_MS;
  const appointmentMs = acceptedMs + (1 + Math.floor(random() * 10)) * DAY_MS;
  // A dossier of the last three weeks is open one time in two (past its appointment: overdue); an older one
  // was finished (early, on time or late) or, one in twenty, withdrawn — about 3 % of a year open, as in §36.
  const recent = now.getTime() - acceptedMs < 21 * DAY_MS;
  const roll = random();
  const open = recent && roll < 0.5;
  const finished = !open && roll < 0.95;
  const finishedMs = finished ? Math.min(now.getTime(), appointmentMs + (random() - 0.8) * 4 * DAY_MS) : null;
  const timeliness = !finished
    ? common.Timeliness.TIMELINESS_UNSPECIFIED
    : finishedMs < appointmentMs - DAY_MS
      ? common.Timeliness.TIMELINESS_EARLY
      : finishedMs <= appointmentMs
        ? common.Timeliness.TIMELINESS_ON_TIME
        : common.Timeliness.TIMELINESS_LATE;
  const iso = (ms) => (ms === null ? null : new Date(Math.max(ms, acceptedMs)).toISOString());
  const dossierId = `bench-${index}`;
  const status = finished ? 9 : open ? (random() < 0.8 ? 4 : 5) : 7;
  const authority = {
    code: commune.code,
    name: commune.name,
    level: 1,
    communeCode: commune.code,
    provinceCode: commune.provinceCode,
  };
  return {
    dossierId,
    dossierCode: `${commune.code}-bench-${String(index).padStart(7, "0")}`,
    state: finished ? "result_issued" : open ? "processing" : "withdrawn",
    status,
    procedureCode: "1.001612",
    procedureName: "Đăng ký thành lập hộ kinh doanh",
    procedureVersion: 1,
    channel: random() < 0.6 ? common.Channel.CHANNEL_ONLINE : common.Channel.CHANNEL_COUNTER,
    submittedAt: iso(acceptedMs),
    receivingUnitCode: commune.code,
    receivingProvinceCode: commune.provinceCode,
    competenceCommuneCode: commune.code,
    competentAuthority: authority,
    competentAuthorityCode: commune.code,
    competentCommuneCode: commune.code,
    competentProvinceCode: commune.provinceCode,
    queueAgencyCode: commune.code,
    queueKey: `${iso(appointmentMs)}|${dossierId}`,
    open: status !== 7,
    acceptedAt: iso(acceptedMs),
    acceptedBy: "bench",
    appointmentAt: iso(appointmentMs),
    pausedAt: null,
    missingItems: [],
    payment: null,
    reason: "",
    dueSoonAt: null,
    overdueCheckAt: null,
    dueSoonFiredFor: null,
    overdueFiredFor: null,
    overdue: open && appointmentMs < now.getTime(),
    apologies: 0,
    applicantFullName: "Người nộp thử",
    traceparent: "",
    decision: null,
    result: null,
    finishedAt: iso(finishedMs),
    timeliness,
    updatedAt: iso(finishedMs ?? acceptedMs),
  };
}

async function mapWithLimit(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "lienthong-bench-indicators-"));
  const identityDir = mkdtempSync(path.join(os.tmpdir(), "lienthong-bench-identity-"));
  const service = await createRoutingService({
    env: {
      DATA_DIR: dataDir,
      UNITS_FILE: unitsFile,
      IDENTITY_DIR: identityDir,
      HTTP_HOST: "127.0.0.1",
      BUS: "in-process",
      LOG_LEVEL: "silent",
    },
    ports: { http: 0, grpc: 0, ops: 0 },
  });
  try {
    const running = await service.start();
    const communes = service.reference.units.communesOf(provinceCode);
    if (communes.length === 0) throw new Error(`no commune of province ${provinceCode} in ${unitsFile}`);
    const now = new Date();
    const random = seededRandom(766);
    for (let written = 0; written < dossiers; written += 1_000) {
      const ops = [];
      for (let index = written; index < Math.min(dossiers, written + 1_000); index++) {
        const commune = communes[Math.floor(random() * communes.length)];
        ops.push(put(assignments, `bench-${index}`, syntheticAssignment(index, commune, now, random)));
      }
      await service.store.commit(ops);
    }

    const issuer = await openDevelopmentIssuer(identityDir);
    const headers = { [AUTHORIZATION_HEADER]: `Bearer ${await issuer.sign(DEVELOPMENT_OFFICIALS.operator)}` };
    const to = new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
    const from = new Date(Date.parse(to) - 365 * DAY_MS).toISOString().slice(0, 10);
    const get = async (pathAndQuery) => {
      const response = await fetch(`${running.httpUrl}${pathAndQuery}`, { headers });
      if (!response.ok) throw new Error(`${pathAndQuery}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const timed = async (work) => {
      const started = performance.now();
      const result = await work();
      return { ms: Math.round(performance.now() - started), result };
    };
    const range = `from=${from}&to=${to}`;
    const oneRead = () => get(`/v1/indicators/${provinceCode}/communes?${range}`);
    const perCommune = () =>
      Promise.all([
        get(`/v1/indicators/${provinceCode}?${range}`),
        mapWithLimit(communes, CONCURRENT_REQUESTS, (commune) => get(`/v1/indicators/${commune.code}?${range}`)),
      ]);

    const oneReadFirst = await timed(oneRead);
    const oneReadAgain = await timed(oneRead);
    const perCommuneFirst = await timed(perCommune);
    const perCommuneAgain = await timed(perCommune);
    // The same figures both ways, or the timing means nothing.
    const [provinceAlone, communesAlone] = perCommuneAgain.result;
    const same =
      JSON.stringify(oneReadAgain.result.province) === JSON.stringify(provinceAlone.indicators) &&
      JSON.stringify(oneReadAgain.result.communes) === JSON.stringify(communesAlone.map((reply) => reply.indicators));
    if (!same) throw new Error("the province-wide read and the per-commune reads disagree");

    const report = {
      province: provinceCode,
      communes: communes.length,
      dossiers,
      period: { from, to },
      machine: { cpus: os.cpus().length, loadAverage1m: Number(os.loadavg()[0].toFixed(2)) },
      provinceWideRead: { requests: 1, firstMs: oneReadFirst.ms, againMs: oneReadAgain.ms },
      perCommuneReads: {
        requests: communes.length + 1,
        concurrency: CONCURRENT_REQUESTS,
        firstMs: perCommuneFirst.ms,
        againMs: perCommuneAgain.ms,
      },
      sameFigures: same,
    };
    if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      const { provinceWideRead: one, perCommuneReads: each } = report;
      process.stdout.write(
        `${communes.length} communes of province ${provinceCode}, ${dossiers} dossiers, ${from} to ${to}` +
          ` (${report.machine.cpus} CPUs, load ${report.machine.loadAverage1m})\n` +
          `  one province-wide read:        first ${one.firstMs} ms, again ${one.againMs} ms\n` +
          `  ${each.requests} per-commune reads (${each.concurrency} at once): first ${each.firstMs} ms, again ${each.againMs} ms\n` +
          `  same figures both ways: ${same}\n`,
      );
    }
  } finally {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(identityDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
