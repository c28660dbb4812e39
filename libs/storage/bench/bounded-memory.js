#!/usr/bin/env node
// Memory of the embedded store as documents grow (ARCHITECTURE.md §3: bounded
// memory at millions of documents). Each configuration runs in a fresh child
// process so earlier work cannot blur its resident-set figures; the baseline is
// the same store with an effectively unbounded page cache, measured in this run.
// Usage: node libs/storage/bench/bounded-memory.js [documents] [--json]
"use strict";
const { execFileSync } = require("node:child_process");
const { mkdtempSync, rmSync } = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 400_000);
const json = args.includes("--json");

if (process.env.BOUNDED_MEMORY_CHILD) {
  void (async () => {
    const { EmbeddedDocumentStore, defineCollection, put } = require("../dist");
    const events = defineCollection("events", { indexes: [["dossierId"], ["type", "time"]], unique: [["eventId"]] });
    const dir = mkdtempSync(path.join(os.tmpdir(), "lienthong-memory-"));
    const store = await EmbeddedDocumentStore.open({
      path: path.join(dir, "store.db"),
      durability: "normal",
      cacheSizeKiB: Number(process.env.CACHE_KIB),
    });
    await store.ensureCollections([events]);
    const batch = 2_000;
    const samples = [];
    for (let written = 0; written < total; written += batch) {
      const ops = [];
      for (let i = written; i < written + batch; i += 1) {
        ops.push(
          put(events, `e-${i}`, {
            eventId: `ev-${i}`,
            dossierId: `14845-261121-${String(i % 10_000).padStart(4, "0")}`,
            type: "routed",
            time: i,
          }),
        );
      }
      await store.commit(ops);
      if ((written + batch) % (total / 8) === 0)
        samples.push({ documents: written + batch, rssMiB: process.memoryUsage().rss / MiB });
    }
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(JSON.stringify(samples));
  })();
} else {
  const run = (cacheKiB) =>
    JSON.parse(
      execFileSync(process.execPath, [__filename, String(total)], {
        env: { ...process.env, BOUNDED_MEMORY_CHILD: "1", CACHE_KIB: String(cacheKiB) },
        encoding: "utf8",
      }),
    );
  const bounded = run(16 * 1024);
  const unbounded = run(1024 * 1024);
  // Growth over the second half of the run: what more documents cost once caches are warm.
  const growth = (samples) => samples[samples.length - 1].rssMiB - samples[Math.floor(samples.length / 2) - 1].rssMiB;
  const result = {
    documents: total,
    boundedCache: { cacheMiB: 16, samples: bounded, secondHalfGrowthMiB: growth(bounded) },
    baselineUnboundedCache: { cacheMiB: 1024, samples: unbounded, secondHalfGrowthMiB: growth(unbounded) },
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(
      `embedded store memory, ${total.toLocaleString("en")} documents (fresh process per configuration)\n`,
    );
    process.stdout.write("documents      RSS MiB (16 MiB cache)   RSS MiB (1 GiB cache, baseline)\n");
    bounded.forEach((sample, i) => {
      process.stdout.write(
        `${String(sample.documents).padStart(9)}      ${sample.rssMiB.toFixed(1).padStart(8)}                 ${unbounded[i].rssMiB.toFixed(1).padStart(8)}\n`,
      );
    });
    process.stdout.write(
      `growth over the second half: ${growth(bounded).toFixed(1)} MiB bounded vs ${growth(unbounded).toFixed(1)} MiB baseline\n`,
    );
  }
}
