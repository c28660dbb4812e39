import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Socket } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
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
  /** Whether a broker at "host:port" takes a TCP connection. */
  const connects = (server: string): Promise<boolean> =>
    new Promise((resolve) => {
      const [host, port] = server.split(":");
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
      socket.connect(Number(port), host!);
    });

  test("announces reachable brokers and frees them on stop", async () => {
    const mock = await startKafkaMock({ brokers: 3 });
    expect(mock.bootstrapServers).toHaveLength(3);
    expect(await connects(mock.bootstrapServers[0]!)).toBe(true);
    await mock.stop();
    expect(await connects(mock.bootstrapServers[0]!)).toBe(false);
  });

  test("ends with the process that started it, even one killed outright", async () => {
    // The built module, as the benchmark and the service processes' tests use it (npm test builds first).
    const starter = spawn(
      process.execPath,
      [
        "-e",
        `require(${JSON.stringify(join(__dirname, "..", "dist", "kafka-mock.js"))}).startKafkaMock({ brokers: 1 })` +
          ".then((mock) => console.log(mock.bootstrapServers[0]), (error) => { console.error(error); process.exit(1); });",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const server = await new Promise<string>((resolve, reject) => {
        starter.stdout.setEncoding("utf8").once("data", (line: string) => resolve(line.trim()));
        starter.once("exit", (code) => reject(new Error(`the process starting the mock ended (code ${code})`)));
      });
      expect(await connects(server)).toBe(true);
      // Killed once the mock has settled, with nothing more to write: no failed write will end kcat for it.
      await sleep(5_000);
      starter.kill("SIGKILL");
      await waitFor(async () => !(await connects(server)), {
        timeoutMs: 10_000,
        description: "the mock to end with the process that started it",
      });
    } finally {
      starter.kill("SIGKILL");
    }
  }, 30_000);

  test("keeps serving while the process that started it reads nothing", async () => {
    const mock = await startKafkaMock({ brokers: 1 });
    try {
      // Synchronous: this process stands still until kcat is done, as a test process starved of CPU does. Each
      // message is a request of its own: a mock logging each (as with kcat's `-d mock`) would fill the stream to
      // this process long before the 2,000th and stop there.
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
