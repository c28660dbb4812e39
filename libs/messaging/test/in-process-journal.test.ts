import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "@jest/globals";
import Database from "better-sqlite3";
import { openFilesUnder, tempDir, waitFor, type TempDir } from "@lienthong/testing";
import { InProcessBroker, MessagingError } from "../src";
import { bodyOf, collect, textEvent, uniqueTopic } from "./support/events";

let dir: TempDir;
beforeEach(async () => {
  dir = await tempDir("lienthong-journal");
});
afterEach(async () => {
  await dir.remove();
});

/** Runs the child until it reports `ready`, then kills it with SIGKILL. */
async function publishThenKill(
  journalPath: string,
  topic: string,
  total: number,
  consumeFirst: number,
): Promise<string> {
  const child = spawn(
    process.execPath,
    [join(__dirname, "fixtures/journal-child.js"), journalPath, topic, String(total), String(consumeFirst)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  try {
    await waitFor(() => stdout.includes("ready") || child.exitCode !== null, {
      timeoutMs: 20_000,
      description: "the child to publish and consume",
    });
  } finally {
    child.kill("SIGKILL");
  }
  const [, signal] = (await once(child, "exit")) as [number | null, string | null];
  expect(stderr).toBe("");
  expect(signal).toBe("SIGKILL");
  return stdout;
}

test("after kill -9, every published event not yet consumed is delivered again, in order", async () => {
  const journalPath = dir.file("events.db");
  const topic = uniqueTopic("journal");
  const stdout = await publishThenKill(journalPath, topic, 10, 4);
  expect(stdout).toContain("ready 4");

  const broker = new InProcessBroker({ journalPath, partitions: 1 });
  try {
    const received = await collect(broker.bus("routing"), "routing", [topic]);
    await waitFor(() => received.events.map(bodyOf).includes("9"), {
      timeoutMs: 15_000,
      description: "the unconsumed events",
    });
    // Event 4 was in the handler when the process died, 5–9 were never consumed: all come again, in
    // order. Offsets are written in batches, so events consumed just before the crash may come
    // again too (at least once; consumers absorb them by ce_id) — a suffix of the log, never a gap.
    const redelivered = received.events.map(bodyOf);
    expect(redelivered.slice(-6)).toEqual(["4", "5", "6", "7", "8", "9"]);
    expect(redelivered).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"].slice(10 - redelivered.length));
    const newGroup = await collect(broker.bus("notification"), "notification", [topic]);
    await waitFor(() => newGroup.events.length >= 10, {
      timeoutMs: 15_000,
      description: "all 10 events for a new group",
    });
    expect(newGroup.events.map(bodyOf)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  } finally {
    await broker.close();
  }
});

test("retention removes old records that every known group consumed, and keeps the others", async () => {
  const journalPath = dir.file("events.db");
  const retentionMs = 60_000;
  const consumedTopic = uniqueTopic("consumed");
  const lagging = uniqueTopic("lagging");
  const broker = new InProcessBroker({ journalPath, partitions: 1, retentionMs });
  const bus = broker.bus("intake");
  const fast = await collect(bus, "routing", [consumedTopic, lagging]);
  let release = false;
  const slow = await collect(bus, "notification", [lagging], async () => {
    if (!release) throw new Error("not yet");
  });
  await bus.publish([
    textEvent(consumedTopic, "d1", "a"),
    textEvent(consumedTopic, "d1", "b"),
    textEvent(lagging, "d2", "c"),
  ]);
  await waitFor(() => fast.events.length === 3, { timeoutMs: 15_000, description: "routing consuming all three" });

  expect(broker.prune(Date.now())).toBe(0); // consumed, but not old yet
  expect(broker.prune(Date.now() + retentionMs + 1)).toBe(2); // the lagging group still needs "c"

  release = true;
  await waitFor(() => slow.events.length === 1, {
    timeoutMs: 15_000,
    description: "notification consuming the lagging event",
  });
  expect(broker.prune(Date.now() + retentionMs + 1)).toBe(1);
  await fast.close();
  await slow.close();
  await broker.close();

  // Offsets are never reused after retention: a reopened journal continues after them.
  const reopened = new InProcessBroker({ journalPath, partitions: 1, retentionMs });
  const again = await collect(reopened.bus("routing"), "routing", [consumedTopic]);
  await reopened.bus("intake").publish([textEvent(consumedTopic, "d1", "d")]);
  await waitFor(() => again.events.length === 1, { timeoutMs: 15_000, description: "the new event only" });
  expect(again.events[0]).toMatchObject({ offset: "2" });
  expect(bodyOf(again.events[0]!)).toBe("d");
  await reopened.close();
});

test("appends reach the journal's file by a checkpoint on another thread, and a closed broker holds no file open", async () => {
  const journalPath = dir.file("events.db");
  const broker = new InProcessBroker({ journalPath, partitions: 1 });
  const topic = uniqueTopic("checkpointed");
  const bus = broker.bus("intake");
  const before = statSync(journalPath).size;
  // A page each, well under SQLite's own threshold of 1,000 pages: only the background checkpoint moves them.
  for (let index = 0; index < 100; index++) await bus.publish([textEvent(topic, `d${index}`, "x".repeat(3000))]);
  await waitFor(() => statSync(journalPath).size >= before + 100 * 4096, {
    timeoutMs: 20_000,
    description: "the journal's file to hold the records",
  });
  // A second close waits for the same close as the first.
  const closes = [broker.close(), broker.close()];
  await closes[1];
  expect(openFilesUnder(journalPath)).toEqual([]);
  expect(existsSync(`${journalPath}-wal`)).toBe(false);
  await closes[0];
});

test("a closed broker refuses to publish", async () => {
  const broker = new InProcessBroker({ journalPath: dir.file("events.db") });
  const bus = broker.bus("intake");
  await broker.close();
  await expect(bus.publish([textEvent(uniqueTopic("closed"), "d1", "x")])).rejects.toThrow(MessagingError);
});

test("a full disk: publishing fails retriably, and the bus is not ready even once consumer offsets are written", async () => {
  const topic = uniqueTopic("full");
  const broker = new InProcessBroker({ journalPath: dir.file("events.db"), journalMaxBytes: 64 * 1024, partitions: 1 });
  const bus = broker.bus("intake");
  try {
    const received = await collect(bus, "routing", [topic]);
    expect(await bus.ping()).toBe(true);
    let accepted = 0;
    let refusal: unknown;
    while (refusal === undefined && accepted < 1_000) {
      await bus.publish([textEvent(topic, "k", "x".repeat(2_000))]).then(
        () => (accepted += 1),
        (error: unknown) => (refusal = error),
      );
    }
    expect(refusal).toBeInstanceOf(MessagingError);
    expect(refusal).toMatchObject({ code: "UNAVAILABLE", reason: "JOURNAL_CANNOT_WRITE", retriable: true });
    expect(accepted).toBeGreaterThan(0);
    expect(await bus.ping()).toBe(false);
    // Every event that was accepted is delivered; their offsets, updated in place, still fit: that is no proof
    // that records would.
    await waitFor(() => received.events.length === accepted, {
      timeoutMs: 10_000,
      description: "every accepted event",
    });
    // Offsets are written a moment after the delivery: read the journal until it holds the last one.
    const journal = new Database(dir.file("events.db"), { readonly: true });
    try {
      const written = journal.prepare<[string, string], { next_offset: number }>(
        "SELECT next_offset FROM group_offsets WHERE group_id = ? AND topic = ?",
      );
      await waitFor(() => written.get("routing", topic)?.next_offset === accepted, {
        description: "the consumer's last offset written to the journal",
      });
    } finally {
      journal.close();
    }
    expect(await bus.ping()).toBe(false);
  } finally {
    await broker.close().catch(() => undefined);
  }
});
