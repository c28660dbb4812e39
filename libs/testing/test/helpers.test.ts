import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Socket } from "node:net";
import { expect, test } from "@jest/globals";
import { describeWithKafka, startKafkaMock, tempDir, waitFor } from "../src";
import { startSmtpPeer } from "../src/smtp-peer";

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

  test("keeps serving while the process that started it reads nothing", async () => {
    const mock = await startKafkaMock({ brokers: 1 });
    try {
      // Synchronous: this process stands still until kcat is done, as a test process starved of CPU does. Each
      // message is a request of its own, which the mock logs: 2,000 of them are far more than a pipe holds.
      const messages = Array.from({ length: 2_000 }, (_, index) => `message ${index}`).join("\n");
      expect(() =>
        execFileSync(
          "kcat",
          [
            "-P",
            "-b",
            mock.bootstrapServers.join(","),
            "-t",
            "flood",
            "-X",
            "linger.ms=0",
            "-X",
            "batch.num.messages=1",
          ],
          { input: messages, timeout: 30_000, stdio: ["pipe", "ignore", "pipe"] },
        ),
      ).not.toThrow();
    } finally {
      await mock.stop();
    }
  }, 60_000);
});

test("the SMTP peer goes on serving after a client resets its connection mid-session", async () => {
  const peer = await startSmtpPeer();
  const { port } = new URL(peer.url);
  /** One SMTP session, each command sent once the server has answered the one before. */
  const session = async (commands: string[], ending: "reset" | "quit"): Promise<string[]> => {
    const socket = new Socket();
    const replies: string[] = [];
    socket.on("data", (chunk: Buffer) => replies.push(...chunk.toString("latin1").trimEnd().split("\r\n")));
    await new Promise<void>((resolve) => socket.connect(Number(port), "127.0.0.1", resolve));
    for (const command of ["", ...commands]) {
      const answered = replies.length;
      if (command !== "") socket.write(`${command}\r\n`);
      await waitFor(() => replies.length > answered && !/^\d{3}-/.test(replies.at(-1)!), {
        description: `the answer to "${command}"`,
      });
    }
    // A client killed with its connection open: the kernel answers with RST.
    if (ending === "reset") socket.resetAndDestroy();
    else socket.end("QUIT\r\n");
    return replies;
  };
  try {
    await session(["EHLO killed.example", "MAIL FROM:<a@example.com>"], "reset");
    const replies = await session(
      [
        "EHLO next.example",
        "MAIL FROM:<a@example.com>",
        "RCPT TO:<b@example.com>",
        "DATA",
        "Content-Type: text/plain; charset=utf-8\r\nSubject: after a reset\r\n\r\nbody\r\n.",
      ],
      "quit",
    );
    expect(replies.at(-1)).toMatch(/^250 /);
    await waitFor(() => peer.received.length === 1, { description: "the next client's message" });
  } finally {
    await peer.close();
  }
});
