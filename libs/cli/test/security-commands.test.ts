/**
 * The operator's credential and audit commands as an operator runs them: the
 * built `lienthong` command as a child process, temporary data directories,
 * and what it prints checked by the service-host code a service runs.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import {
  AuditLog,
  auditCollections,
  auditHead,
  auditLog,
  commonServiceEnv,
  entryHash,
  createLogger,
  loadConfig,
  openIdentities,
  type AuditRecord,
  type Identities,
} from "@lienthong/service-host";
import { silentLogger } from "@lienthong/messaging";
import { EmbeddedDocumentStore, put } from "@lienthong/storage";
import { dataDirectories, lienthong } from "./support/cli";

const dataDir = dataDirectories("lienthong-security-");

/** The identities a service of this deployment opens (development issuer under `<dataDir>/identity`). */
function identitiesOf(vars: Record<string, string>): Promise<Identities> {
  return openIdentities(
    loadConfig(commonServiceEnv, vars),
    createLogger({ service: "security-test", level: "silent" }),
    () => ["14845", "14848"],
  );
}

describe("lienthong clients new-key", () => {
  it("prints a key, once, and the entry that makes it valid in CLIENTS", async () => {
    const result = await lienthong("clients", "new-key", "muong-lat-commune-system");
    expect(result.code).toBe(0);
    const key = /^\s+(ltk\.\S+)$/m.exec(result.stdout)?.[1];
    const entry = /^\s+(\{.*\})$/m.exec(result.stdout)?.[1];
    expect(key).toBeDefined();
    expect(entry).toBeDefined();
    const stored = JSON.parse(entry!) as { id: string; salt: string; sha256: string };
    expect(entry).not.toContain(key!.split(".")[2]);

    const clients = {
      clients: [{ clientId: "muong-lat-commune-system", unitCodes: ["14845"], keys: [stored] }],
    };
    const identities = await identitiesOf({ DATA_DIR: dataDir(), CLIENTS: JSON.stringify(clients) });
    expect(identities.clients.development).toBe(false);
    expect((await identities.authenticate({ apiKey: key! })).client).toEqual({
      clientId: "muong-lat-commune-system",
      unitCodes: new Set(["14845"]),
    });

    // Every run makes another key: the one printed before is not made again.
    const again = await lienthong("clients", "new-key", "muong-lat-commune-system");
    expect(again.stdout).not.toContain(key!);
  });

  it("refuses a client id CLIENTS would refuse, before printing any key", async () => {
    const result = await lienthong("clients", "new-key", "Not A Valid Id!");
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("ltk.");
    expect(result.stderr).toContain("is not a client id");
  });
});

describe("lienthong dev token", () => {
  it("prints a token of the data directory's development issuer for a sample official", async () => {
    const dir = dataDir();
    const result = await lienthong("dev", "token", "chu-tich-muong-lat", "--data-dir", dir);
    expect(result.code).toBe(0);
    const token = result.stdout.trim();

    const identities = await identitiesOf({ DATA_DIR: dir });
    expect(identities.developmentIssuerDir).toBe(path.join(dir, "identity"));
    expect(await identities.officials.verify(token)).toEqual({
      subject: "chu-tich-muong-lat",
      unitCodes: new Set(["14845"]),
      roles: new Set(["leader", "document_signer"]),
    });
    // Another data directory has another issuer, which does not know this token's key.
    const elsewhere = await identitiesOf({ DATA_DIR: dataDir() });
    await expect(elsewhere.officials.verify(token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("exits non-zero for an official that is not a sample, naming the ones there are", async () => {
    const result = await lienthong("dev", "token", "giam-doc-so", "--data-dir", dataDir());
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('"giam-doc-so" is not a sample official');
    for (const official of ["chu-tich-muong-lat", "tiep-nhan-tam-chung", "thanh-tra-tinh"]) {
      expect(result.stderr).toContain(official);
    }
  });

  it("refuses a lifetime that is not a whole number of seconds", async () => {
    const result = await lienthong("dev", "token", "chu-tich-muong-lat", "--data-dir", dataDir(), "--ttl", "abc");
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("must be a whole number of seconds");
  });
});

describe("lienthong audit verify", () => {
  /** Entries a page and a bit (the command reads 1000 at a time), sealed as the service does. */
  const ENTRIES = 1205;

  async function writeAuditLog(dir: string): Promise<void> {
    const store = await EmbeddedDocumentStore.open({ path: path.join(dir, "routing", "store.db") });
    try {
      await store.ensureCollections(auditCollections);
      const log = new AuditLog(store, "routing", () => new Date(), silentLogger);
      const writes = Array.from({ length: ENTRIES }, (_, index) =>
        log.record({
          action: "decide",
          outcome: "done",
          target: `dossier:HS-${String(index + 1).padStart(4, "0")}`,
          officialId: "chu-tich-muong-lat",
        }),
      );
      await store.commit(writes);
      while ((await log.seal()) > 0);
      expect(await log.head()).toMatchObject({ seq: ENTRIES });
    } finally {
      await store.close();
    }
  }

  it("says an intact log is intact, with its number of entries, and exits 0", async () => {
    const dir = dataDir();
    await writeAuditLog(dir);
    const human = await lienthong("audit", "verify", "routing", "--data-dir", dir);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(`^routing: audit log intact, ${ENTRIES} entries, head ${ENTRIES}:[0-9a-f]{64}\n$`),
    );
    const json = await lienthong("audit", "verify", "routing", "--data-dir", dir, "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      service: "routing",
      ok: true,
      entries: ENTRIES,
      head: { seq: ENTRIES, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it("catches a chain recomputed from the edited entry on, with a head kept outside the store", async () => {
    const dir = dataDir();
    await writeAuditLog(dir);
    const before = JSON.parse((await lienthong("audit", "verify", "routing", "--data-dir", dir, "--json")).stdout) as {
      head: { seq: number; hash: string };
    };
    // Someone who can write the store edits entry 1100 and re-seals everything after it: the chain holds on its own.
    const store = await EmbeddedDocumentStore.open({ path: path.join(dir, "routing", "store.db") });
    try {
      await store.ensureCollections(auditCollections);
      const rest = await store.find(auditLog, { range: { field: "seq", gte: 1100 }, orderBy: { field: "seq" } });
      let prevHash = rest[0]!.data.prevHash!;
      const writes = rest.map(({ id, data }, index) => {
        const content = index === 0 ? { ...data, target: "dossier:HS-9999" } : data;
        const hash = entryHash(content, data.seq!, prevHash);
        const rewritten = { ...content, prevHash, hash };
        prevHash = hash;
        return put<AuditRecord>(auditLog, id, rewritten);
      });
      const head = await store.get(auditHead, "head");
      await store.commit([...writes, put(auditHead, "head", { seq: ENTRIES, hash: prevHash }, head!.version)]);
    } finally {
      await store.close();
    }
    expect((await lienthong("audit", "verify", "routing", "--data-dir", dir)).code).toBe(0);

    const anchored = await lienthong(
      "audit",
      "verify",
      "routing",
      "--data-dir",
      dir,
      "--anchor",
      `${before.head.seq}:${before.head.hash}`,
    );
    expect(anchored.code).toBe(1);
    expect(anchored.stdout).toContain(`BROKEN at entry ${ENTRIES} (rewritten)`);
    const malformed = await lienthong("audit", "verify", "routing", "--data-dir", dir, "--anchor", "1205");
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain("must be <seq>:<hash>");
  });

  it("names the entry with one byte edited and exits 1", async () => {
    const dir = dataDir();
    await writeAuditLog(dir);
    const store = await EmbeddedDocumentStore.open({ path: path.join(dir, "routing", "store.db") });
    try {
      await store.ensureCollections(auditCollections);
      const [entry] = await store.find(auditLog, { where: { seq: 1100 } });
      expect(entry?.data.target).toBe("dossier:HS-1100");
      await store.commit([put<AuditRecord>(auditLog, entry!.id, { ...entry!.data, target: "dossier:HS-1101" })]);
    } finally {
      await store.close();
    }

    const human = await lienthong("audit", "verify", "routing", "--data-dir", dir);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe(
      "routing: audit log BROKEN at entry 1100 (edited): its content does not match its hash\n",
    );
    const json = await lienthong("audit", "verify", "routing", "--data-dir", dir, "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      service: "routing",
      ok: false,
      firstBad: { seq: 1100, problem: "edited" },
    });
  });

  it("does not call intact the audit log of a service that has none there", async () => {
    const misspelt = await lienthong("audit", "verify", "routng", "--data-dir", dataDir());
    expect(misspelt.stdout).not.toContain("intact");
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toContain('"routng" is not a platform service');

    const emptyDir = dataDir();
    const elsewhere = await lienthong("audit", "verify", "routing", "--data-dir", emptyDir);
    expect(elsewhere.stdout).not.toContain("intact");
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain("no store of routing");
    expect(existsSync(path.join(emptyDir, "routing"))).toBe(false);
  });
});
