/**
 * The hash-chained audit log (audit-chain.ts, audit-log.ts) on a real
 * embedded store, tampered with the way someone with access to the database
 * would, and a service started through the host recording its access
 * decisions for auditors.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Database from "better-sqlite3";
import { InProcessBroker, silentLogger } from "@lienthong/messaging";
import {
  AuditLog,
  DEVELOPMENT_CLIENTS,
  MALFORMED_TARGET,
  DEVELOPMENT_OFFICIALS,
  ServiceHost,
  auditCollections,
  auditLog,
  entryHash,
  loadConfig,
  openDevelopmentIssuer,
  serviceEnv,
  verifyChain,
  type AuditContent,
  type AuditHead,
  type AuditRecord,
  type ChainReport,
  type SealedFields,
  unitTarget,
} from "@lienthong/service-host";
import { agencyMarkOf } from "@lienthong/domain";
import { EmbeddedDocumentStore, defineCollection, put, remove, type Versioned } from "@lienthong/storage";

const directories: string[] = [];
afterAll(() => directories.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "lienthong-audit-"));
  directories.push(dir);
  return dir;
}

/** A dossier of the service, written in the same commit as the audit entry of the action. */
const dossiers = defineCollection<{ code: string; status: string }>("dossiers");

interface OpenLog {
  file: string;
  store: EmbeddedDocumentStore;
  log: AuditLog;
}

async function openLog(file = path.join(tempDir(), "routing", "store.db")): Promise<OpenLog> {
  const store = await EmbeddedDocumentStore.open({ path: file, durability: "normal" });
  await store.ensureCollections([...auditCollections, dossiers]);
  let tick = Date.parse("2026-07-01T08:00:00.000Z");
  // One second per event: the order they happened in is plain to read.
  const log = new AuditLog(store, "routing", () => new Date((tick += 1000)), silentLogger);
  return { file, store, log };
}

/**
 * Six entries, as a service writes them: officials' actions committed with
 * the dossier they change, access decisions buffered and flushed later (so
 * committed after entries that happened after them), then sealed.
 */
async function sealedLog(): Promise<OpenLog> {
  const opened = await openLog();
  const { store, log } = opened;
  const officialAction = (code: string, action: string, outcome: "done" | "refused") =>
    store.commit([
      put(dossiers, code, { code, status: action }),
      log.record({
        action,
        outcome,
        target: `dossier:${code}`,
        clientId: "muong-lat-commune-system",
        officialId: "chu-tich-muong-lat",
      }),
    ]);
  await officialAction("HS-0001", "decide", "done");
  log.append({ action: "GET /v1/applications/:dossierRef", outcome: "allowed", clientId: "portal" });
  log.append({
    action: "POST /v1/dossiers/:dossierRef/decision",
    outcome: "denied",
    clientId: "muong-lat-commune-system",
    officialId: "tiep-nhan-muong-lat",
    reason: "PERMISSION_DENIED",
  });
  await officialAction("HS-0003", "accept", "done");
  log.append({ action: "GET /v1/audit", outcome: "denied", officialId: "van-hanh-tinh", reason: "PERMISSION_DENIED" });
  await log.flush();
  await officialAction("HS-0005", "refuse", "refused");
  expect(await log.seal()).toBe(6);
  return opened;
}

async function sealedEntries(log: AuditLog): Promise<(AuditContent & SealedFields)[]> {
  return log.sealedAfter(0, 10_000);
}

async function verify(log: AuditLog): Promise<ChainReport> {
  return verifyChain(await sealedEntries(log), await log.head());
}

async function storedAt(store: EmbeddedDocumentStore, seq: number): Promise<Versioned<AuditRecord>> {
  const [found] = await store.find(auditLog, { where: { seq } });
  if (!found) throw new Error(`no sealed entry ${seq}`);
  return found;
}

describe("the audit log on an embedded store", () => {
  it("seals entries recorded in commits and by append+flush into one chain, in the order they happened", async () => {
    const { store, log } = await sealedLog();
    const entries = await sealedEntries(log);
    expect(entries.map(({ seq, action, outcome }) => `${seq} ${action} ${outcome}`)).toEqual([
      "1 decide done",
      "2 GET /v1/applications/:dossierRef allowed",
      "3 POST /v1/dossiers/:dossierRef/decision denied",
      "4 accept done",
      "5 GET /v1/audit denied",
      "6 refuse refused",
    ]);
    expect(entries[0]).toMatchObject({
      at: "2026-07-01T08:00:01.000Z",
      service: "routing",
      target: "dossier:HS-0001",
      clientId: "muong-lat-commune-system",
      officialId: "chu-tich-muong-lat",
      reason: "",
      prevHash: "0".repeat(64),
    });
    entries.slice(1).forEach((entry, index) => expect(entry.prevHash).toBe(entries[index]!.hash));
    expect(await log.head()).toEqual({ seq: 6, hash: entries[5]!.hash });
    expect(await verify(log)).toEqual({ ok: true, entries: 6 });
    // The dossier was written with its entry.
    expect((await store.get(dossiers, "HS-0005"))?.data.status).toBe("refuse");

    // Nothing left to seal; later entries continue the chain from the head.
    expect(await log.seal()).toBe(0);
    log.append({ action: "GET /v1/audit", outcome: "allowed", officialId: "thanh-tra-tinh" });
    expect(await log.round()).toBe(false);
    const [seventh] = await log.sealedAfter(6, 10);
    expect(seventh).toMatchObject({ seq: 7, prevHash: entries[5]!.hash, action: "GET /v1/audit" });
    expect(await verify(log)).toEqual({ ok: true, entries: 7 });
    expect((await log.sealedAfter(2, 2)).map((entry) => entry.seq)).toEqual([3, 4]);
    await store.close();
  });

  describe("tampered with by someone with access to the database", () => {
    it("names an entry with one byte edited in the SQLite file as edited", async () => {
      const { file, store, log } = await sealedLog();
      const db = new Database(file);
      const changed = db
        .prepare(
          `UPDATE "docs_audit_log" SET data = replace(data, 'dossier:HS-0003', 'dossier:HS-0004')
           WHERE json_extract(data, '$.seq') = 4`,
        )
        .run().changes;
      db.close();
      expect(changed).toBe(1);
      expect(await verify(log)).toEqual({
        ok: false,
        entries: 6,
        firstBad: { seq: 4, problem: "edited", detail: "its content does not match its hash" },
      });
      await store.close();
    });

    it("names an entry whose outcome was rewritten through the store, bypassing the log", async () => {
      const { store, log } = await sealedLog();
      const denied = await storedAt(store, 3);
      await store.commit([put<AuditRecord>(auditLog, denied.id, { ...denied.data, outcome: "allowed" })]);
      expect((await verify(log)).firstBad).toMatchObject({ seq: 3, problem: "edited" });
      await store.close();
    });

    it("finds a rewritten entry even when its own hash was recomputed: the next one no longer follows it", async () => {
      const { store, log } = await sealedLog();
      const { id, data } = await storedAt(store, 3);
      const forged = { ...data, outcome: "allowed" as const };
      await store.commit([put(auditLog, id, { ...forged, hash: entryHash(forged, 3, data.prevHash!) })]);
      expect((await verify(log)).firstBad).toMatchObject({ seq: 4, problem: "out_of_order" });
      await store.close();
    });

    it("names the first missing entry when one is deleted", async () => {
      const { store, log } = await sealedLog();
      await store.commit([remove(auditLog, (await storedAt(store, 4)).id)]);
      expect(await verify(log)).toEqual({
        ok: false,
        entries: 5,
        firstBad: { seq: 4, problem: "missing", detail: "entries 4–4 are gone" },
      });
      await store.close();
    });

    it("notices the last entries deleted: the head records more than are left", async () => {
      const { store, log } = await sealedLog();
      await store.commit([
        remove(auditLog, (await storedAt(store, 5)).id),
        remove(auditLog, (await storedAt(store, 6)).id),
      ]);
      expect(await verify(log)).toEqual({
        ok: false,
        entries: 4,
        firstBad: { seq: 5, problem: "missing", detail: "the log's head records 6 sealed entries, 4 are left" },
      });
      await store.close();
    });

    it("detects two entries' contents swapped, at the first of them", async () => {
      const { store, log } = await sealedLog();
      const [second, fifth] = [await storedAt(store, 2), await storedAt(store, 5)];
      const sealOf = ({ order, sealed, seq, prevHash, hash }: AuditRecord) => ({ order, sealed, seq, prevHash, hash });
      await store.commit([
        put(auditLog, second.id, { ...fifth.data, ...sealOf(second.data) }),
        put(auditLog, fifth.id, { ...second.data, ...sealOf(fifth.data) }),
      ]);
      expect((await verify(log)).firstBad).toMatchObject({ seq: 2, problem: "edited" });
      await store.close();
    });
  });

  it("writes an appended entry once, already sealed, in the order of events among entries committed before it", async () => {
    const { store, log } = await openLog();
    const auditWrites: string[] = [];
    const commit = store.commit.bind(store);
    store.commit = (ops) => {
      for (const op of ops) if (op.collection === auditLog.name) auditWrites.push(op.id);
      return commit(ops);
    };
    log.append({ action: "GET /v1/applications/:dossierRef", outcome: "allowed", clientId: "portal" });
    await store.commit([log.record({ action: "accept", outcome: "done", target: "dossier:HS-0002" })]);
    log.append({ action: "GET /v1/audit", outcome: "denied", reason: "PERMISSION_DENIED" });

    expect(await log.round()).toBe(false);
    expect((await sealedEntries(log)).map(({ seq, action }) => `${seq} ${action}`)).toEqual([
      "1 GET /v1/applications/:dossierRef",
      "2 accept",
      "3 GET /v1/audit",
    ]);
    // The committed entry was written and then sealed; each appended one only once, sealed.
    const writesOf = (id: string) => auditWrites.filter((written) => written === id).length;
    const ids = (await store.find(auditLog, { orderBy: { field: "seq" } })).map((entry) => entry.id);
    expect(ids.map(writesOf)).toEqual([1, 2, 1]);
    expect(await verify(log)).toEqual({ ok: true, entries: 3 });
    await store.close();
  });

  it("answers a flush once the decisions a seal in progress took are stored: whoever flushes then reads them", async () => {
    const { store, log } = await openLog();
    for (const reason of ["UNAUTHENTICATED", "PERMISSION_DENIED", "CLIENT_RATE_LIMITED"]) {
      log.append({ action: "GET /v1/applications/:dossierRef", outcome: "denied", reason });
    }
    // The background round has taken the buffer and is committing it when an operator's shutdown, or a test, flushes.
    const sealing = log.seal();
    await log.flush();
    expect(await log.head()).toMatchObject({ seq: 3 });
    expect(await sealing).toBe(3);
    await store.close();
  });

  it("never forks the chain when two instances seal the same store at once", async () => {
    const file = path.join(tempDir(), "routing", "store.db");
    // Two connections to one file, as two replicas of a service on one volume.
    const [first, second] = [await openLog(file), await openLog(file)];
    const rounds = 40;
    const perRound = 3;
    let lostRaces = 0;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRound; i++) {
        first.log.append({
          action: "GET /v1/applications/:dossierRef",
          outcome: "allowed",
          traceId: `a-${round}-${i}`,
        });
        second.log.append({
          action: "GET /v1/applications/:dossierRef",
          outcome: "denied",
          traceId: `b-${round}-${i}`,
        });
      }
      // Half the rounds store the appended entries first; the others leave them to the seal itself.
      if (round % 2 === 0) await Promise.all([first.log.flush(), second.log.flush()]);
      const sealed = await Promise.all([first.log.seal(), second.log.seal(), second.log.seal(), first.log.seal()]);
      lostRaces += sealed.filter((count) => count === 0).length;
    }
    while ((await first.log.seal()) + (await second.log.seal()) > 0);

    const entries = await sealedEntries(first.log);
    expect(await verify(second.log)).toEqual({ ok: true, entries: rounds * perRound * 2 });
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, index) => index + 1));
    expect(new Set(entries.map((entry) => entry.traceId)).size).toBe(rounds * perRound * 2);
    // The instances did race (the losers sealed nothing and left it to the winner).
    expect(lostRaces).toBeGreaterThan(0);
    await Promise.all([first.store.close(), second.store.close()]);
  });
});

// --------------------------------------------------- through a running service

describe("access decisions of a service started through the host", () => {
  let host: ServiceHost;
  let broker: InProcessBroker;
  let url: string;
  let identityDir: string;

  beforeAll(async () => {
    identityDir = tempDir();
    const env = loadConfig(serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }), {
      DATA_DIR: tempDir(),
      IDENTITY_DIR: identityDir,
      HTTP_HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
    });
    broker = new InProcessBroker();
    host = await ServiceHost.open(
      { service: "routing", env, collections: [] },
      { broker, ports: { http: 0, grpc: 0, ops: 0 } },
    );
    host.http.route({
      method: "get",
      path: "/v1/dossiers/:dossierRef",
      access: { client: true },
      handle: async (request, response, caller) => {
        response.json({ dossierRef: request.params.dossierRef, clientId: caller.client.clientId });
      },
    });
    host.http.route({
      method: "post",
      path: "/v1/dossiers/:dossierRef/decision",
      access: { official: ["leader"] },
      handle: async (_request, response) => {
        response.status(204).end();
      },
    });
    url = (await host.start()).httpUrl;
  });

  afterAll(async () => {
    await host.stop();
    await broker.close();
  });

  async function call(
    method: string,
    route: string,
    credentials: { apiKey?: string; token?: string } = {},
  ): Promise<{ status: number; traceId: string; body: unknown }> {
    const headers: Record<string, string> = {};
    if (credentials.apiKey) headers["x-api-key"] = credentials.apiKey;
    if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
    const response = await fetch(`${url}${route}`, { method, headers });
    const text = await response.text();
    return {
      status: response.status,
      traceId: response.headers.get("x-trace-id") ?? "",
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
  }

  async function sealedUpTo(seq: number): Promise<AuditHead> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const head = await host.audit.head();
      if (head.seq >= seq) return head;
      if (Date.now() > deadline) throw new Error(`the audit log sealed ${head.seq} of ${seq} entries within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("records allowed and denied requests, which an auditor lists without any credential in them", async () => {
    const issuer = await openDevelopmentIssuer(identityDir);
    const tokens = {
      leader: await issuer.sign(DEVELOPMENT_OFFICIALS.leaderMuongLat),
      receivingOfficer: await issuer.sign(DEVELOPMENT_OFFICIALS.receivingOfficerMuongLat),
      auditor: await issuer.sign(DEVELOPMENT_OFFICIALS.auditor),
    };
    const apiKey = DEVELOPMENT_CLIENTS.muongLat.key;

    const made = [
      await call("GET", "/v1/dossiers/HS-0001", { apiKey }),
      await call("GET", "/v1/dossiers/HS-0001"),
      await call("POST", "/v1/dossiers/HS-0001/decision", { apiKey, token: tokens.receivingOfficer }),
      await call("POST", "/v1/dossiers/HS-0001/decision", { apiKey, token: tokens.leader }),
      await call("GET", "/v1/audit", { token: tokens.leader }),
    ];
    expect(made.map((response) => response.status)).toEqual([200, 401, 403, 204, 403]);
    await sealedUpTo(made.length);

    const listed = await call("GET", "/v1/audit", { token: tokens.auditor });
    expect(listed.status).toBe(200);
    const { entries, head } = listed.body as { entries: (AuditContent & SealedFields)[]; head: AuditHead };
    expect(
      entries.map(({ action, outcome, clientId, officialId, reason }) => ({
        action,
        outcome,
        clientId,
        officialId,
        reason,
      })),
    ).toEqual([
      {
        action: "GET /v1/dossiers/:dossierRef",
        outcome: "allowed",
        clientId: "muong-lat-commune-system",
        officialId: "",
        reason: "",
      },
      {
        action: "GET /v1/dossiers/:dossierRef",
        outcome: "denied",
        clientId: "",
        officialId: "",
        reason: "UNAUTHENTICATED",
      },
      {
        action: "POST /v1/dossiers/:dossierRef/decision",
        outcome: "denied",
        clientId: "muong-lat-commune-system",
        officialId: "tiep-nhan-muong-lat",
        reason: "PERMISSION_DENIED",
      },
      {
        action: "POST /v1/dossiers/:dossierRef/decision",
        outcome: "allowed",
        clientId: "muong-lat-commune-system",
        officialId: "chu-tich-muong-lat",
        reason: "",
      },
      {
        action: "GET /v1/audit",
        outcome: "denied",
        clientId: "",
        officialId: "chu-tich-muong-lat",
        reason: "PERMISSION_DENIED",
      },
    ]);
    // Each entry carries the trace id the caller was answered with, and the chain holds.
    expect(entries.map((entry) => entry.traceId)).toEqual(made.map((response) => response.traceId));
    expect(entries.every((entry) => entry.service === "routing")).toBe(true);
    expect(verifyChain(entries, head)).toEqual({ ok: true, entries: 5 });

    const text = JSON.stringify(listed.body);
    for (const credential of [apiKey, ...Object.values(tokens)]) {
      for (const part of credential.split(".").filter((piece) => piece.length > 8)) expect(text).not.toContain(part);
    }
  });

  it("refuses the audit log to an official who is not an auditor (403)", async () => {
    const issuer = await openDevelopmentIssuer(identityDir);
    const operator = await call("GET", "/v1/audit", { token: await issuer.sign(DEVELOPMENT_OFFICIALS.operator) });
    expect(operator.status).toBe(403);
    expect(operator.body).toMatchObject({ code: "PERMISSION_DENIED" });
    expect((await call("GET", "/v1/audit")).status).toBe(401);
  });
});

describe("anchors kept outside the store", () => {
  it("every seal logs its head; a chain recomputed after an edit verifies alone but not through that head", async () => {
    const store = await EmbeddedDocumentStore.open({ path: path.join(tempDir(), "routing", "store.db") });
    await store.ensureCollections(auditCollections);
    const heads: unknown[] = [];
    const logger = { info: (details: object) => heads.push(details), error: () => undefined };
    const log = new AuditLog(store, "routing", () => new Date(), logger);
    await store.commit(
      [1, 2, 3].map((n) => log.record({ action: "decide", outcome: "done", target: `dossier:HS-${n}` })),
    );
    await log.seal();
    const head = await log.head();
    expect(heads).toEqual([{ auditHead: head }]);

    // Entry 2 edited and every hash from it on recomputed, head included, as someone with write access could.
    const entries = await log.sealedAfter(0, 10);
    let prevHash = entries[0]!.hash;
    const forged = entries.map((entry) => {
      if (entry.seq === 1) return entry;
      const content = entry.seq === 2 ? { ...entry, target: "dossier:HS-9" } : entry;
      const hash = entryHash(content, entry.seq, prevHash);
      const rewritten = { ...content, prevHash, hash };
      prevHash = hash;
      return rewritten;
    });
    const forgedHead = { seq: 3, hash: prevHash };
    expect(verifyChain(forged, forgedHead)).toEqual({ ok: true, entries: 3 });
    expect(verifyChain(forged, forgedHead, [head])).toMatchObject({
      ok: false,
      firstBad: { seq: 3, problem: "rewritten" },
    });
    expect(verifyChain(entries, head, [head])).toEqual({ ok: true, entries: 3 });
    await store.close();
  });
});

describe("audit targets", () => {
  it("names an agency by the longest stand-in mark a catalog derives, and never a citizen's id", () => {
    // An industrial-zone board's initials: 12 letters, the most a mark may have.
    const mark = agencyMarkOf("Ban Quản lý Khu kinh tế Nghi Sơn và các Khu công nghiệp tỉnh");
    expect(mark).toBe("BQLKKTNSCKCN");
    expect(unitTarget(`38.${mark}`)).toBe(`unit:38.${mark}`);
    expect(unitTarget(`14845.${mark}`)).toBe(`unit:14845.${mark}`);
    expect(unitTarget("038095012345")).toBe(MALFORMED_TARGET);
    expect(unitTarget(`38.${mark}X`)).toBe(MALFORMED_TARGET);
  });
});
