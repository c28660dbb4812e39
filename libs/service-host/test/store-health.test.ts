/**
 * A service whose store cannot write (issue 8): requests answer 503 with
 * `retriable: true`, never 500, and /readyz says not ready until the store
 * can write again; a data directory it cannot use fails the start naming the
 * path and the cause. The full disk is the embedded store's size limit
 * (EMBEDDED_STORE_MAX_BYTES), which fails writes with SQLITE_FULL as a full
 * file system does.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import { InProcessBroker } from "@lienthong/messaging";
import {
  CLIENT_KEY_HEADER,
  DEVELOPMENT_CLIENTS,
  ServiceHost,
  loadConfig,
  serviceEnv,
  type Problem,
  type ReadinessReport,
} from "@lienthong/service-host";
import { defineCollection, put } from "@lienthong/storage";
import { tempDir, waitFor, type TempDir } from "@lienthong/testing";

interface Note {
  text: string;
}
const notes = defineCollection<Note>("notes");
const KIB = 1024;

function envOf(dataDir: string, extra: Record<string, string> = {}) {
  return loadConfig(serviceEnv({ httpPort: 0, grpcPort: 0, opsPort: 0 }), {
    DATA_DIR: dataDir,
    HTTP_HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    ...extra,
  });
}

describe("a service whose store cannot write", () => {
  let directory: TempDir;
  let host: ServiceHost;
  let url: string;
  let opsUrl: string;
  const key = { [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key, "content-type": "application/json" };

  beforeAll(async () => {
    directory = await tempDir("service-host-store-health");
    host = await ServiceHost.open(
      {
        service: "intake",
        env: envOf(directory.path, { EMBEDDED_STORE_MAX_BYTES: String(1024 * KIB) }),
        collections: [notes],
      },
      { broker: new InProcessBroker(), ports: { http: 0, grpc: 0, ops: 0 } },
    );
    host.http.route({
      method: "post",
      path: "/v1/notes/:id",
      access: { client: true },
      handle: async (request, response) => {
        await host.commit([put(notes, String(request.params.id), { text: "x".repeat(3 * KIB) })]);
        response.status(201).end();
      },
    });
    ({ httpUrl: url, opsUrl } = await host.start());
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
    await directory?.remove();
  });

  const readiness = async () => {
    const response = await fetch(`${opsUrl}/readyz`);
    return { status: response.status, report: (await response.json()) as ReadinessReport };
  };

  it("answers 503 retriable, is not ready until it can write again, then takes the same request", async () => {
    expect((await readiness()).status).toBe(200);
    let notReady: { status: number; report: ReadinessReport } | undefined;
    let stored = 0;
    for (; stored < 1000; stored++) {
      const response = await fetch(`${url}/v1/notes/n${stored}`, { method: "POST", headers: key, body: "{}" });
      if (response.status === 201) continue;
      expect(response.status).toBe(503);
      const problem = (await response.json()) as Problem;
      expect(problem).toMatchObject({ code: "UNAVAILABLE", reason: "STORE_CANNOT_WRITE", retriable: true });
      expect(problem.detail).not.toContain(directory.path);
      // The store commits concurrent writes in one transaction, and a full file refuses them all: a note
      // that met the audit log's or the rate counts' background write can be refused while a page is still
      // free. Readiness then tells the truth — the store can write — and the loop goes on until the file is
      // full for a note alone.
      const report = await readiness();
      if (report.status === 200) continue;
      notReady = report;
      break;
    }
    expect(notReady).toEqual({
      status: 503,
      report: expect.objectContaining({ checks: expect.objectContaining({ store: "failed" }) }),
    });

    // The operator frees space (another connection deletes documents): enough for the audit entries refused meanwhile.
    const operator = new Database(path.join(directory.path, "intake", "store.db"));
    operator.prepare(`DELETE FROM "docs_notes"`).run();
    operator.close();
    await waitFor(async () => (await readiness()).status === 200, {
      description: "readiness once space is freed",
      timeoutMs: 30_000,
    });
    const retried = await fetch(`${url}/v1/notes/n${stored}`, { method: "POST", headers: key, body: "{}" });
    expect(retried.status).toBe(201);
  }, 120_000);
});

describe("a service whose data directory cannot be used", () => {
  it("fails to start naming the directory and the system's cause", async () => {
    const directory = await tempDir("service-host-data-dir");
    try {
      const file = path.join(directory.path, "not-a-directory");
      writeFileSync(file, "");
      const started = ServiceHost.open(
        {
          service: "intake",
          // The identities elsewhere: the store is what meets the unusable directory.
          env: envOf(file, { IDENTITY_DIR: path.join(directory.path, "identity") }),
          collections: [],
        },
        { broker: new InProcessBroker(), ports: { http: 0, grpc: 0, ops: 0 } },
      );
      await expect(started).rejects.toThrow(
        `cannot create data directory ${path.join(file, "intake")}: ENOTDIR not a directory`,
      );
    } finally {
      await directory.remove();
    }
  });
});
