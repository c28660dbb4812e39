import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Socket } from "node:net";
import { expect, test } from "@jest/globals";
import { describeWithKafka, startKafkaMock, tempDir, waitFor } from "../src";

test("waitFor resolves once the predicate holds", async () => {
  let calls = 0;
  await waitFor(() => ++calls >= 3, { intervalMs: 1, description: "three calls" });
  expect(calls).toBe(3);
});

test("waitFor names what it waited for when it times out", async () => {
  await expect(
    waitFor(() => false, { timeoutMs: 50, intervalMs: 10, description: "the dossier to be routed" }),
  ).rejects.toThrow("waitFor: timed out after 50 ms waiting for the dossier to be routed");
});

test("tempDir gives a fresh directory and removes it with its content", async () => {
  const dir = await tempDir("lienthong test/dir");
  await writeFile(dir.file("a.txt"), "x");
  expect(existsSync(dir.file("a.txt"))).toBe(true);
  await dir.remove();
  expect(existsSync(dir.path)).toBe(false);
});

describeWithKafka("startKafkaMock", () => {
  test("announces reachable brokers and frees them on stop", async () => {
    const mock = await startKafkaMock({ brokers: 3 });
    expect(mock.bootstrapServers).toHaveLength(3);
    const [host, port] = mock.bootstrapServers[0]!.split(":");
    const connects = (): Promise<boolean> =>
      new Promise((resolve) => {
        const socket = new Socket();
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(false));
        socket.connect(Number(port), host!);
      });
    expect(await connects()).toBe(true);
    await mock.stop();
    expect(await connects()).toBe(false);
  });
});
