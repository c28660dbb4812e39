import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLATFORM_SERVICES, Topics } from "@lienthong/contracts";
import { deadLetterTopicFor, ledgerGroupFor, replayTopicFor } from "@lienthong/messaging";
import { intakeTopics } from "../../services/intake/src/events/consumers";
import { notificationTopics } from "../../services/notification/src/events/consumers";
import { routingTopics } from "../../services/routing/src/events/consumers";
import { signatureTopics } from "../../services/signature/src/events/consumers";
import { repoRoot } from "./compose-file";

// infra/kafka/acls.sh runs here under sh with kafka-acls.sh and kafka-configs.sh
// replaced by recorders, so the test sees every credential and ACL it sets —
// and compares them with what each service's code publishes and consumes.

const script = path.join(repoRoot, "infra/kafka/acls.sh");

/** What each service's consumer subscribes to, read from its code (host.consume(...) in its service.ts). */
const consumedBy: Record<string, readonly string[]> = {
  intake: intakeTopics,
  routing: routingTopics,
  signature: signatureTopics,
  notification: notificationTopics,
};

interface Acl {
  principal: string;
  operations: string[];
  resource: string;
  pattern: "literal" | "prefixed";
}

let workDir: string;

beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-acls-"));
});

afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** A stand-in tool that appends its arguments (one per line, a blank line after the call) and exits with `exitCode`. */
function recorder(name: string, exitCode = 0): string {
  const command = path.join(workDir, name);
  const log = path.join(workDir, `${name}.log`);
  fs.writeFileSync(
    command,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> "${log}"\necho >> "${log}"\nexit ${exitCode}\n`,
    {
      mode: 0o755,
    },
  );
  return command;
}

function callsOf(name: string): string[][] {
  const log = path.join(workDir, `${name}.log`);
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, "utf8")
    .split("\n\n")
    .filter((call) => call.trim() !== "")
    .map((call) => call.trim().split("\n"));
}

function valuesOf(call: string[], flag: string): string[] {
  return call.flatMap((word, index) => (word === flag ? [call[index + 1] ?? ""] : []));
}

/** Every principal acls.sh sets up besides the admin: the topic job, each service, the operators' view. */
const PRINCIPALS = ["topics", ...PLATFORM_SERVICES.map((service) => service.name), "ops"];

function runScript(options: { principals?: string[]; configsExit?: number } = {}) {
  const credentials = path.join(workDir, "credentials");
  fs.mkdirSync(credentials);
  const passwords: Record<string, string> = {};
  for (const principal of options.principals ?? PRINCIPALS) {
    passwords[principal] = `password-of-${principal}`;
    fs.writeFileSync(path.join(credentials, `${principal}.password`), passwords[principal]);
  }
  const result = spawnSync("sh", [script], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      KAFKA_BOOTSTRAP_SERVER: "kafka:19092",
      KAFKA_COMMAND_CONFIG: "/run/admin.properties",
      KAFKA_CREDENTIALS_DIR: credentials,
      KAFKA_ACLS_COMMAND: recorder("kafka-acls.sh"),
      KAFKA_CONFIGS_COMMAND: recorder("kafka-configs.sh", options.configsExit),
    },
    encoding: "utf8",
  });
  const acls: Acl[] = callsOf("kafka-acls.sh").map((call) => {
    expect(call).toContain("--add");
    expect(valuesOf(call, "--command-config")).toEqual(["/run/admin.properties"]);
    const topic = valuesOf(call, "--topic");
    const group = valuesOf(call, "--group");
    return {
      principal: valuesOf(call, "--allow-principal")[0] ?? "",
      operations: valuesOf(call, "--operation").sort(),
      resource: topic.length > 0 ? `topic:${topic.join(",")}` : `group:${group.join(",")}`,
      pattern: valuesOf(call, "--resource-pattern-type")[0] === "prefixed" ? "prefixed" : "literal",
    };
  });
  const credentialCalls = callsOf("kafka-configs.sh").map((call) => ({
    principal: valuesOf(call, "--entity-name")[0],
    entityType: valuesOf(call, "--entity-type")[0],
    config: valuesOf(call, "--add-config")[0],
    commandConfig: valuesOf(call, "--command-config")[0],
  }));
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, acls, credentialCalls, passwords };
}

describe("infra/kafka/acls.sh", () => {
  it("gives every service of the platform a principal with its SCRAM credential, the topic job and operators one", () => {
    const run = runScript();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.credentialCalls).toEqual(
      PRINCIPALS.map((principal) => ({
        principal,
        entityType: "users",
        config: `SCRAM-SHA-512=[iterations=8192,password=${run.passwords[principal]}]`,
        commandConfig: "/run/admin.properties",
      })),
    );
  });

  it.each(PLATFORM_SERVICES.map((service) => service.name))(
    "lets %s write only its own topic, dead-letter and replay topics, read what its code consumes, its dead letters and replays, in its own groups",
    (name) => {
      const run = runScript();
      const own = run.acls.filter((acl) => acl.principal === `User:${name}`);
      const expected: Acl[] = [
        {
          principal: `User:${name}`,
          operations: ["Describe", "Write"],
          resource: `topic:${Topics[name]}`,
          pattern: "literal",
        },
        // Its ledger reads its dead letters back for operators (docs/decisions.md §39).
        {
          principal: `User:${name}`,
          operations: ["Describe", "Read", "Write"],
          resource: `topic:${deadLetterTopicFor(name)}`,
          pattern: "literal",
        },
        // An operator's replay goes back to the group alone (docs/decisions.md §41).
        {
          principal: `User:${name}`,
          operations: ["Describe", "Read", "Write"],
          resource: `topic:${replayTopicFor(name)}`,
          pattern: "literal",
        },
        ...(consumedBy[name] ?? []).map((topic): Acl => ({
          principal: `User:${name}`,
          operations: ["Describe", "Read"],
          resource: `topic:${topic}`,
          pattern: "literal",
        })),
        { principal: `User:${name}`, operations: ["Read"], resource: `group:${name}`, pattern: "literal" },
        {
          principal: `User:${name}`,
          operations: ["Read"],
          resource: `group:${name}.dead-letter-ledger`,
          pattern: "literal",
        },
      ];
      expect(own).toEqual(expected);
    },
  );

  it("lets the topic job create and describe lienthong.* topics, and grants nothing to anyone else", () => {
    const run = runScript();
    expect(run.acls.filter((acl) => acl.principal === "User:topics")).toEqual([
      {
        principal: "User:topics",
        operations: ["Create", "Describe", "DescribeConfigs"],
        resource: "topic:lienthong.",
        pattern: "prefixed",
      },
    ]);
    const principals = new Set(run.acls.map((acl) => acl.principal));
    expect([...principals].sort()).toEqual(PRINCIPALS.map((principal) => `User:${principal}`).sort());
    // No wildcard resource, no cluster-wide operation: least privilege.
    expect(run.acls.filter((acl) => acl.resource.includes("*") || acl.operations.includes("All"))).toEqual([]);
  });

  it("lets operators describe the platform's topics and groups (lienthong topics), and nothing more", () => {
    const run = runScript();
    expect(run.acls.filter((acl) => acl.principal === "User:ops")).toEqual([
      { principal: "User:ops", operations: ["Describe"], resource: "topic:lienthong.", pattern: "prefixed" },
      ...PLATFORM_SERVICES.flatMap((service) =>
        [service.name, ledgerGroupFor(service.name)].map((group) => ({
          principal: "User:ops",
          operations: ["Describe"],
          resource: `group:${group}`,
          pattern: "literal",
        })),
      ),
    ]);
  });

  it("never prints a password", () => {
    const run = runScript();
    for (const password of Object.values(run.passwords)) expect(run.stdout).not.toContain(password);
  });

  it("stops at the first principal whose credential cannot be set or whose password is missing", () => {
    const refused = runScript({ configsExit: 1 });
    expect(refused.status).not.toBe(0);
    expect(refused.acls).toEqual([]);
    fs.rmSync(workDir, { recursive: true, force: true });
    fs.mkdirSync(workDir);
    const missing = runScript({ principals: ["topics"] });
    expect(missing.status).not.toBe(0);
    expect(missing.acls.map((acl) => acl.principal)).toEqual(["User:topics"]);
  });
});
