/**
 * Writes the synthetic dossiers straight into the embedded stores the
 * platform opens (`<data dir>/<service>/store.db`), through the storage
 * adapter's own commit, so that the rows, their JSON and every index are
 * exactly what the services write, only in large transactions: a million
 * submissions through HTTP would take hours.
 *
 * Intake's and routing's stores are separate SQLite files; each is loaded in
 * its own worker thread (the two cores work at once), both replaying the same
 * seeded generator.
 */
import * as path from "node:path";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { loadReferenceData } from "@lienthong/domain";
import { applications, dossierSequences, intakeCollections } from "@lienthong/intake";
import { assignments, routingCollections } from "@lienthong/routing";
import { openDocumentStore, put, type WriteOp } from "@lienthong/storage";
import { ScaleDossierGenerator } from "./scale-data";

export type ScaleStore = "intake" | "routing";

interface LoadJob {
  store: ScaleStore;
  dataDir: string;
  count: number;
  nowMs: number;
  seed: number;
}

type WorkerMessage = { loaded: number } | { done: true } | { error: string };

/** Dossiers per transaction: large enough that commits are rare, small enough to report progress often. */
const BATCH = 10_000;
/** The loader's page cache: the indexes of a million rows stay in memory while they are built. */
const LOAD_CACHE_KIB = 512 * 1024;

async function loadStore(job: LoadJob, report: (loaded: number) => void): Promise<void> {
  const reference = loadReferenceData({ dataDir: job.dataDir });
  const generator = new ScaleDossierGenerator({
    count: job.count,
    now: new Date(job.nowMs),
    seed: job.seed,
    reference,
  });
  // "normal": a crash of the loader loses nothing the benchmark needs (it would start over), and it is faster.
  const store = await openDocumentStore({
    kind: "embedded",
    path: path.join(job.dataDir, job.store, "store.db"),
    durability: "normal",
    cacheSizeKiB: LOAD_CACHE_KIB,
  });
  try {
    await store.ensureCollections(job.store === "intake" ? intakeCollections : routingCollections);
    let ops: WriteOp[] = [];
    let loaded = 0;
    for (const { application, assignment } of generator.dossiers()) {
      ops.push(
        job.store === "intake"
          ? put(applications, application.dossierId, application, 0)
          : put(assignments, assignment.dossierId, assignment, 0),
      );
      loaded++;
      if (ops.length === BATCH) {
        await store.commit(ops);
        ops = [];
        report(loaded);
      }
    }
    if (job.store === "intake") {
      // Intake's daily counters, so that today's next submission takes the next free code of its unit.
      for (const [key, last] of generator.sequences) ops.push(put(dossierSequences, key, { last }, 0));
    }
    await store.commit(ops);
    report(loaded);
  } finally {
    await store.close();
  }
}

/**
 * Loads `count` dossiers into both stores of `dataDir` (which must not hold
 * them yet), calling `onProgress` with the dossiers stored in both.
 */
export async function loadScaleDossiers(
  dataDir: string,
  count: number,
  now: Date,
  onProgress: (loaded: number) => void,
): Promise<void> {
  const seed = 0x5ca1e;
  const loaded: Record<ScaleStore, number> = { intake: 0, routing: 0 };
  const stores: ScaleStore[] = ["intake", "routing"];
  await Promise.all(
    stores.map(
      (store) =>
        new Promise<void>((resolve, reject) => {
          const job: LoadJob = { store, dataDir, count, nowMs: now.getTime(), seed };
          const worker = new Worker(__filename, { workerData: job });
          let finished = false;
          worker.on("message", (message: WorkerMessage) => {
            if ("loaded" in message) {
              loaded[store] = message.loaded;
              onProgress(Math.min(loaded.intake, loaded.routing));
            } else if ("error" in message) {
              finished = true;
              reject(new Error(`loading the ${store} store failed: ${message.error}`));
            } else {
              finished = true;
              resolve();
            }
          });
          worker.once("error", reject);
          worker.once("exit", (code) => {
            if (!finished) reject(new Error(`the ${store} loader exited (code ${code}) before it finished`));
          });
        }),
    ),
  );
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  loadStore(workerData as LoadJob, (loaded) => port.postMessage({ loaded } satisfies WorkerMessage))
    .then(() => port.postMessage({ done: true } satisfies WorkerMessage))
    .catch((error: unknown) =>
      port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage),
    );
}
