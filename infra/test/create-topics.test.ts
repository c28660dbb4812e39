import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Topics } from "@lienthong/contracts";
import { deadLetterTopicFor, replayTopicFor } from "@lienthong/messaging";
import { environmentOf, readCompose, repoRoot, serviceOf } from "./compose-file";

// The kafka-init job runs infra/kafka/create-topics.sh in the apache/kafka image.
// Here the same script runs under sh with kafka-topics.sh replaced by a
// recorder (KAFKA_TOPICS_COMMAND), so the test sees every topic it creates
// and with which settings, without a broker.

const script = path.join(repoRoot, "infra/kafka/create-topics.sh");
const consumerGroups = ["intake", "routing", "signature", "notification"];

interface TopicCreation {
  topic: string;
  partitions: number;
  replicationFactor: number;
  ifNotExists: boolean;
  bootstrapServer: string;
  commandConfig: string | undefined;
}

let workDir: string;

beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "create-topics-"));
});

afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Writes a stand-in for kafka-topics.sh that appends its arguments, one call a line. */
function recorder(exitCode: number): { command: string; log: string } {
  const log = path.join(workDir, "calls.log");
  const command = path.join(workDir, "kafka-topics.sh");
  fs.writeFileSync(command, `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}"\nexit ${exitCode}\n`, { mode: 0o755 });
  return { command, log };
}

function runScript(environment: Record<string, string>, exitCode = 0) {
  const { command, log } = recorder(exitCode);
  const result = spawnSync("sh", [script], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...environment, KAFKA_TOPICS_COMMAND: command },
    encoding: "utf8",
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, creations: calls.map(parseCall) };
}

function parseCall(call: string): TopicCreation {
  const words = call.split(" ");
  const valueOf = (flag: string): string => {
    const index = words.indexOf(flag);
    if (index < 0) throw new Error(`kafka-topics call without ${flag}: ${call}`);
    return words[index + 1] ?? "";
  };
  return {
    topic: valueOf("--topic"),
    partitions: Number(valueOf("--partitions")),
    replicationFactor: Number(valueOf("--replication-factor")),
    ifNotExists: words.includes("--create") && words.includes("--if-not-exists"),
    bootstrapServer: valueOf("--bootstrap-server"),
    commandConfig: words.includes("--command-config") ? valueOf("--command-config") : undefined,
  };
}

describe("infra/kafka/create-topics.sh", () => {
  const compose = readCompose();
  const jobEnvironment = environmentOf(compose, "kafka-init");

  it("is the script the kafka-init job mounts and runs, as the topic job's principal", () => {
    const job = serviceOf(compose, "kafka-init");
    expect(job.volumes).toContain("./infra/kafka/create-topics.sh:/infra/kafka/create-topics.sh:ro");
    expect(job.volumes).toContain("./infra/kafka/init.sh:/infra/kafka/init.sh:ro");
    expect(job.entrypoint).toEqual(["/bin/sh", "/infra/kafka/init.sh"]);
    const init = fs.readFileSync(path.join(repoRoot, "infra/kafka/init.sh"), "utf8");
    expect(init).toContain('sh /infra/kafka/client-config.sh topics > "$client_configs/topics.properties"');
    expect(init).toContain('KAFKA_COMMAND_CONFIG="$client_configs/topics.properties" sh /infra/kafka/create-topics.sh');
  });

  it("authenticates with the client properties it is given", () => {
    const configured = runScript({ ...jobEnvironment, KAFKA_COMMAND_CONFIG: "/tmp/client-configs/topics.properties" });
    expect(configured.status).toBe(0);
    expect(new Set(configured.creations.map((creation) => creation.commandConfig))).toEqual(
      new Set(["/tmp/client-configs/topics.properties"]),
    );
  });

  it("passes no client properties when given none (an unauthenticated listener)", () => {
    const plain = runScript(jobEnvironment);
    expect(plain.status).toBe(0);
    expect(new Set(plain.creations.map((creation) => creation.commandConfig))).toEqual(new Set([undefined]));
  });

  it("creates every event topic of the contracts, and a dead-letter and a replay topic per consumer group", () => {
    const run = runScript(jobEnvironment);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const expected = [
      ...Object.values(Topics),
      ...consumerGroups.flatMap((group) => [deadLetterTopicFor(group), replayTopicFor(group)]),
    ];
    expect(run.creations.map((creation) => creation.topic).sort()).toEqual([...expected].sort());
  });

  it("creates them idempotently with the compose job's partitions and replication", () => {
    const run = runScript(jobEnvironment);
    const eventTopics = new Set<string>(Object.values(Topics));
    for (const creation of run.creations) {
      expect(creation.ifNotExists).toBe(true);
      expect(creation.bootstrapServer).toBe(jobEnvironment.KAFKA_BOOTSTRAP_SERVER);
      expect(creation.replicationFactor).toBe(Number(jobEnvironment.TOPIC_REPLICATION_FACTOR));
      const partitions = eventTopics.has(creation.topic)
        ? jobEnvironment.TOPIC_PARTITIONS
        : jobEnvironment.DEAD_LETTER_PARTITIONS;
      expect(creation.partitions).toBe(Number(partitions));
    }
  });

  it("follows the environment, so operators can size topics without editing it", () => {
    const run = runScript({
      KAFKA_BOOTSTRAP_SERVER: "broker-1:9092",
      TOPIC_PARTITIONS: "48",
      DEAD_LETTER_PARTITIONS: "6",
    });
    expect(run.status).toBe(0);
    const intake = run.creations.find((creation) => creation.topic === Topics.intake);
    expect(intake).toMatchObject({ partitions: 48, bootstrapServer: "broker-1:9092" });
    const deadLetter = run.creations.find((creation) => creation.topic === deadLetterTopicFor("routing"));
    expect(deadLetter?.partitions).toBe(6);
    const replay = run.creations.find((creation) => creation.topic === replayTopicFor("routing"));
    expect(replay?.partitions).toBe(6);
  });

  it("fails on the first failed creation, so the services never start without their topics", () => {
    const run = runScript(jobEnvironment, 1);
    expect(run.status).not.toBe(0);
    expect(run.creations).toHaveLength(1);
  });
});
