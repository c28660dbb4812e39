import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, test } from "@jest/globals";
import { waitFor } from "@lienthong/testing";
import { createLogger, pollingTask, type PollingTask } from "../src";

const logger = createLogger({ service: "test", level: "silent" });
const started: PollingTask[] = [];

afterEach(async () => {
  for (const task of started.splice(0)) await task.stop();
});

/**
 * A started task whose rounds are counted with their start and end times, after its first round; it polls once a
 * minute unless told otherwise, and each round takes `roundMs`.
 */
async function countedTask(lingerMs?: number, { intervalMs = 60_000, roundMs = 0 } = {}) {
  const rounds: number[] = [];
  const ended: number[] = [];
  const task = pollingTask({
    name: "counted",
    intervalMs,
    logger,
    round: async () => {
      rounds.push(performance.now());
      if (roundMs > 0) await sleep(roundMs);
      ended.push(performance.now());
      return false;
    },
    ...(lingerMs === undefined ? {} : { lingerMs }),
  });
  started.push(task);
  task.start();
  await waitFor(() => ended.length === 1, { description: "the round on start" });
  return { task, rounds, ended };
}

test("a notified round runs at once without a linger, long before the next poll", async () => {
  const { task, rounds } = await countedTask();
  task.notify();
  await waitFor(() => rounds.length === 2, { timeoutMs: 15_000, description: "the notified round" });
});

test("with a linger, notifications that come during it make one round, not before it ends", async () => {
  // Far longer than the notifications below take, even on a busy machine.
  const lingerMs = 2_000;
  const { task, rounds } = await countedTask(lingerMs);
  const notifiedAt = performance.now();
  task.notify();
  // Later notifications join the round that lingers; they do not push it back.
  for (let index = 0; index < 5; index += 1) {
    await sleep(20);
    task.notify();
  }
  await waitFor(() => rounds.length === 2, { timeoutMs: 15_000, description: "the lingered round" });
  expect(rounds[1]! - notifiedAt).toBeGreaterThanOrEqual(lingerMs - 1);
  // The later notifications were handled by that round: none makes one of its own.
  await sleep(lingerMs + 200);
  expect(rounds).toHaveLength(2);
  // The next notification lingers again.
  task.notify();
  await waitFor(() => rounds.length === 3, { timeoutMs: 15_000, description: "the next lingered round" });
});

test("a steady stream of notifications does not put the round off for ever", async () => {
  const lingerMs = 200;
  const { task, rounds } = await countedTask(lingerMs);
  // Ten lingers' worth of notifications, one every 20 ms: were each to restart the wait, no round would come.
  const streamEnds = performance.now() + 10 * lingerMs;
  while (performance.now() < streamEnds) {
    task.notify();
    await sleep(20);
  }
  expect(rounds.length).toBeGreaterThanOrEqual(2);
});

test("a notification never holds off a poll due sooner than its linger", async () => {
  // Polls every 100 ms, lingers 5 s: were a notification to replace the poll with its linger, no round would come.
  const { task, rounds } = await countedTask(5_000, { intervalMs: 100 });
  const streamEnds = performance.now() + 1_500;
  while (performance.now() < streamEnds) {
    task.notify();
    await sleep(20);
  }
  expect(rounds.length).toBeGreaterThanOrEqual(3);
});

test("a notification during a round makes the next round come a linger after it, not at once", async () => {
  const lingerMs = 500;
  const { task, rounds, ended } = await countedTask(lingerMs, { roundMs: 300 });
  task.notify();
  await waitFor(() => rounds.length === 2, { timeoutMs: 15_000, description: "the lingered round" });
  // Notified while that round runs: the next one lingers after it ends.
  await sleep(100);
  task.notify();
  await waitFor(() => rounds.length === 3, { timeoutMs: 15_000, description: "the round after it" });
  expect(rounds[2]! - ended[1]!).toBeGreaterThanOrEqual(lingerMs - 1);
});

test("a task stopped while it lingers runs no round, and lingers again once started", async () => {
  const lingerMs = 200;
  const { task, rounds } = await countedTask(lingerMs);
  task.notify();
  await task.stop();
  await sleep(3 * lingerMs);
  expect(rounds).toHaveLength(1);
  task.start();
  await waitFor(() => rounds.length === 2, { timeoutMs: 15_000, description: "the round on the new start" });
  task.notify();
  await waitFor(() => rounds.length === 3, { timeoutMs: 15_000, description: "a notified round after the start" });
});

test("refuses a linger that is not a whole number of milliseconds", () => {
  const round = async () => false;
  expect(() => pollingTask({ name: "bad", intervalMs: 1_000, logger, round, lingerMs: -5 })).toThrow(
    "bad: lingerMs must be an integer >= 0, got -5",
  );
  expect(() => pollingTask({ name: "bad", intervalMs: 1_000, logger, round, lingerMs: Number.NaN })).toThrow(
    "lingerMs must be an integer >= 0",
  );
});
