import { afterEach, expect, test } from "@jest/globals";
import { waitFor } from "@lienthong/testing";
import { createLogger, pollingTask, type PollingTask } from "../src";

const logger = createLogger({ service: "test", level: "silent" });
const started: PollingTask[] = [];

afterEach(async () => {
  for (const task of started.splice(0)) await task.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A started task whose rounds are counted with their start times, after its first round; it polls once a minute. */
async function countedTask(lingerMs?: number) {
  const rounds: number[] = [];
  const task = pollingTask({
    name: "counted",
    intervalMs: 60_000,
    logger,
    round: async () => {
      rounds.push(performance.now());
      return false;
    },
    ...(lingerMs === undefined ? {} : { lingerMs }),
  });
  started.push(task);
  task.start();
  await waitFor(() => rounds.length === 1, { description: "the round on start" });
  return { task, rounds };
}

test("a notified round runs at once without a linger, long before the next poll", async () => {
  const { task, rounds } = await countedTask();
  task.notify();
  await waitFor(() => rounds.length === 2, { timeoutMs: 15_000, description: "the notified round" });
});

test("with a linger, notifications that come during it make one round, not before it ends", async () => {
  // Far longer than the notifications below take, even on a busy machine.
  const lingerMs = 1_000;
  const { task, rounds } = await countedTask(lingerMs);
  const notifiedAt = performance.now();
  task.notify();
  // Later notifications join the round that lingers; they do not push it back.
  for (let index = 0; index < 5; index += 1) {
    await pause(20);
    task.notify();
  }
  await waitFor(() => rounds.length === 2, { timeoutMs: 15_000, description: "the lingered round" });
  expect(rounds[1]! - notifiedAt).toBeGreaterThanOrEqual(lingerMs - 1);
  // The later notifications were handled by that round: none makes one of its own.
  await pause(lingerMs + 200);
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
    await pause(20);
  }
  expect(rounds.length).toBeGreaterThanOrEqual(2);
});
