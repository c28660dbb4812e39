import * as path from "node:path";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { EventTypes, Topics } from "@lienthong/contracts";
import { describeWithKafka, startKafkaMock, tempDir, waitFor, type KafkaMock, type TempDir } from "@lienthong/testing";
import { demoApplication } from "../src/demo";
import { developmentCredentials, type DemoCredentials } from "../src/dev-credentials";
import {
  DistributedPlatform,
  MOCK_SESSION_TIMEOUT_MS,
  mockClusterEnv,
  type ServiceInstance,
} from "./support/distributed-platform";
import {
  PermanentFailure,
  assignmentOf,
  persist,
  submitDossier,
  type SubmittedDossier,
  type UrlOf,
} from "./support/dossier-driver";
import { headersOf, readTopicWithKcat } from "./support/kafka-platform";

/**
 * Scale-out (issue 8): two routing processes in one consumer group on
 * librdkafka's mock cluster, the second joining a group the first already
 * leads — the join whose SyncGroup the mock refused, leaving a member that
 * said it was ready and consumed nothing (docs/decisions.md §22). Both take a
 * share of the partitions and route the dossiers that land there; after a
 * kill -9 of one, the other takes its partitions and routes the rest. Who
 * handled a submission is read from each process's own consumer spans (the
 * group, partition, dossier and outcome of every delivery it handled); each
 * dossier is routed once in effect: one "processed" handling across both, one
 * acceptance and one routing event once an official accepts it.
 */

const PER_PHASE = Number(process.env.SCALE_OUT_DOSSIERS ?? 16);
const SUBMITTED_PROCESS = `${EventTypes.applicationSubmitted.type} process`;

interface Handling {
  dossierId: string;
  partition: string;
  outcome: string;
  startedAt: number;
}

describeWithKafka("scale-out: two routing instances in one consumer group on the mock cluster", () => {
  let mock: KafkaMock | undefined;
  let dir: TempDir | undefined;
  let platform: DistributedPlatform | undefined;
  let credentials: DemoCredentials;
  let routing: readonly ServiceInstance[] = [];
  const urlOf: UrlOf = (service) => platform!.url(service);
  const phaseOne: SubmittedDossier[] = [];
  /** What each instance handled in phase one, read before any was killed. */
  const handledBefore = new Map<string, Handling[]>();

  const withLogs = (error: unknown): Error =>
    new Error(`${error instanceof Error ? error.message : String(error)}\n${platform?.logTails(60) ?? ""}`, {
      cause: error,
    });

  /** The submissions the instance's running process handled as a routing consumer, from its span store. */
  const handledBy = async (instance: ServiceInstance): Promise<Handling[]> => {
    const response = await fetch(`${instance.current!.httpUrl}/ops/spans?limit=10000`, {
      headers: credentials.operator,
    });
    const { spans } = (await response.json()) as {
      spans: { name: string; startTime: string; attributes: Record<string, unknown> }[];
    };
    return spans
      .filter(
        (span) => span.name === SUBMITTED_PROCESS && span.attributes["messaging.consumer.group.name"] === "routing",
      )
      .map((span) => ({
        dossierId: String(span.attributes["lienthong.dossier_id"]),
        partition: String(span.attributes["messaging.destination.partition.id"]),
        outcome: String(span.attributes["lienthong.consumer.outcome"]),
        startedAt: Date.parse(span.startTime),
      }));
  };

  /** What kafkajs and the Kafka bus logged in the instance's running process; a join line names the partitions got. */
  const kafkaLogOf = (instance: ServiceInstance) =>
    instance
      .current!.logs.text(5_000)
      .split("\n")
      .filter((line) => /kafkajs|kafka event bus/.test(line))
      .map(
        (line) =>
          JSON.parse(line) as {
            time?: number | string;
            msg?: string;
            memberAssignment?: Record<string, number[]>;
            isLeader?: boolean;
            err?: { message?: string };
          },
      );

  /** The partitions of `topic` the instance's running process holds, from the last join line that names them. */
  const assignedPartitions = (instance: ServiceInstance, topic: string): Set<string> => {
    const assigned = kafkaLogOf(instance)
      .map((entry) => entry.memberAssignment?.[topic])
      .findLast((partitions) => partitions !== undefined);
    return new Set((assigned ?? []).map(String));
  };

  const submitAll = async (label: string, count: number, deadline: number): Promise<SubmittedDossier[]> =>
    Promise.all(
      Array.from({ length: count }, (_, index) =>
        submitDossier(urlOf, credentials, `scale-out-${label}-${index}@example.vn`, deadline),
      ),
    );

  const registeredAtRouting = (dossiers: readonly SubmittedDossier[], deadline: number) =>
    Promise.all(dossiers.map((dossier) => assignmentOf(urlOf, credentials, dossier.dossierCode, deadline)));

  beforeAll(async () => {
    mock = await startKafkaMock({ brokers: 3 });
    dir = await tempDir("lienthong-scale-out");
    const identityDir = path.join(dir.path, "identity");
    credentials = await developmentCredentials(identityDir);
    try {
      platform = await DistributedPlatform.start({
        env: mockClusterEnv(mock, identityDir),
        replicas: { intake: 1, routing: 2 },
        startLater: ["routing-2"],
        // A process that joins a group with members (a replica, a restart) waits ~29 s in the mock (README).
        startTimeoutMs: 90_000,
      });
      routing = platform.instancesOf("routing");
      const first = platform.all().filter((instance) => instance.label !== "routing-2");
      await waitFor(() => platform!.ready(first), {
        timeoutMs: 40_000,
        intervalMs: 200,
        description: "routing-1 ready",
      });
      // The second joins a group that already has a leader: the case the mock's SyncGroup refused.
      await platform.restart(routing[1]!);
      await waitFor(() => platform!.ready(), {
        timeoutMs: 60_000,
        intervalMs: 200,
        description: "both routing instances ready (joined the group)",
      });
    } catch (error) {
      throw withLogs(error);
    }
  }, 240_000);

  afterAll(async () => {
    await platform?.stop();
    await mock?.stop();
    await dir?.remove();
  }, 30_000);

  test("both instances own some partitions and each routes the dossiers submitted to them", async () => {
    const deadline = Date.now() + 90_000;
    phaseOne.push(...(await submitAll("one", PER_PHASE, deadline)));
    await registeredAtRouting(phaseOne, deadline).catch((error: unknown) => {
      throw withLogs(error);
    });

    const ours = new Set(phaseOne.map((dossier) => dossier.dossierId));
    // A dossier reads at routing once its commit is applied, a moment before the consumer's span ends with the
    // delivery's outcome: read the spans until every dossier's processing is there (the checks below say what lacks).
    await waitFor(
      async () => {
        for (const instance of routing) {
          handledBefore.set(
            instance.label,
            (await handledBy(instance)).filter((h) => ours.has(h.dossierId)),
          );
        }
        const routed = new Set(
          routing.flatMap((instance) =>
            handledBefore
              .get(instance.label)!
              .filter((h) => h.outcome === "processed")
              .map((h) => h.dossierId),
          ),
        );
        return [...ours].every((dossierId) => routed.has(dossierId));
      },
      { timeoutMs: 30_000, intervalMs: 200, description: "every dossier's processing in the instances' spans" },
    ).catch(() => undefined);
    const processed = (label: string) =>
      handledBefore.get(label)!.filter((handling) => handling.outcome === "processed");
    const partitions = (label: string) => [...new Set(processed(label).map((h) => h.partition))].sort();
    console.log(
      routing
        .map(
          (instance) =>
            `${instance.label}: routed ${processed(instance.label).length} of ${PER_PHASE} from partitions ${partitions(instance.label).join(", ")}`,
        )
        .join("\n"),
    );

    for (const instance of routing) expect(processed(instance.label).length).toBeGreaterThan(0);
    // The late joiner got in without the crash the mock's SyncGroup caused (the leader syncs last, §22); the
    // adapter would replace a crashed consumer, but that is the fallback, not the way in.
    const crashes = routing.flatMap((instance) =>
      instance.runs.flatMap((run) =>
        run.logs
          .text(5_000)
          .split("\n")
          .filter((line) => line.includes("kafkajs: Crash"))
          .map((line) => `${instance.label}: ${line}`),
      ),
    );
    expect(crashes).toEqual([]);
    // A partition has one owner at a time, and every dossier was routed once, by one of them.
    expect(partitions("routing-1").filter((p) => partitions("routing-2").includes(p))).toEqual([]);
    const routedBy = routing.flatMap((instance) => processed(instance.label).map((h) => h.dossierId));
    expect(routedBy.sort()).toEqual([...ours].sort());
  }, 120_000);

  test("kill -9 one: the other takes its partitions and routes the rest; each dossier is routed once in effect", async () => {
    expect(phaseOne).toHaveLength(PER_PHASE);
    const [victim, survivor] = routing as [ServiceInstance, ServiceInstance];
    // As assigned, not as seen in phase one: its dossiers may have left one of the victim's partitions empty.
    const victimPartitions = assignedPartitions(victim, Topics.intake);
    expect(victimPartitions.size).toBeGreaterThan(0);
    const killedAt = Date.now();
    await platform!.kill9(victim);
    // Submitted right after the kill: those landing in the victim's partitions wait for the takeover.
    const deadline = Date.now() + 150_000;
    const phaseTwo = await submitAll("two", PER_PHASE, deadline);
    await registeredAtRouting(phaseTwo, deadline).catch((error: unknown) => {
      throw withLogs(error);
    });
    const allRegisteredMs = Date.now() - killedAt;

    const ours = new Set(phaseTwo.map((dossier) => dossier.dossierId));
    const processedBySurvivor = async () =>
      (await handledBy(survivor)).filter((h) => ours.has(h.dossierId) && h.outcome === "processed");
    let handled = await processedBySurvivor();
    // As above: the spans end a moment after the dossiers read at routing.
    await waitFor(
      async () => {
        handled = await processedBySurvivor();
        return new Set(handled.map((h) => h.dossierId)).size === ours.size;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: "every dossier's processing in the survivor's spans" },
    ).catch(() => undefined);
    const fromVictims = handled.filter((h) => victimPartitions.has(h.partition));
    const tookOver = [...new Set(fromVictims.map((h) => h.partition))].sort();
    const takeoverMs = Math.min(...fromVictims.map((h) => h.startedAt)) - killedAt;
    // kafkajs's own account of the survivor's group membership (its join lines name the partitions it got).
    const joins = kafkaLogOf(survivor).map(({ time, msg, memberAssignment, isLeader, err }) => {
      const at = `${((new Date(time ?? 0).getTime() - killedAt) / 1000).toFixed(1)} s`;
      return `  ${at} ${msg}${memberAssignment ? ` leader=${isLeader} ${JSON.stringify(memberAssignment)}` : ""}${err?.message ? ` (${err.message})` : ""}`;
    });
    console.log(
      [
        `${victim.label} killed; ${survivor.label} routed ${handled.length} of the ${PER_PHASE} submitted after the kill, ` +
          `${fromVictims.length} of them from the victim's partitions ${tookOver.join(", ")}: the first ${(takeoverMs / 1000).toFixed(1)} s ` +
          `after the kill (session timeout ${MOCK_SESSION_TIMEOUT_MS / 1000} s); all registered after ${(allRegisteredMs / 1000).toFixed(1)} s`,
        `${survivor.label}'s Kafka log (time since the kill):`,
        ...joins,
      ].join("\n"),
    );
    expect(handled.map((h) => h.dossierId).sort()).toEqual([...ours].sort());
    expect(tookOver.length).toBeGreaterThan(0);
    await waitFor(() => platform!.ready([survivor]), {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: `${survivor.label} ready`,
    });

    // Once in effect: an official accepts every dossier through the survivor; each is accepted and routed once.
    const everyone = [...phaseOne, ...phaseTwo];
    const officer = credentials.officialsOf(demoApplication().receivingUnitCode).receivingOfficer;
    await Promise.all(
      everyone.map((dossier) =>
        persist(`accept ${dossier.dossierCode}`, deadline, async () => {
          const response = await fetch(`${urlOf("routing")}/v1/dossiers/${dossier.dossierCode}/actions/accept`, {
            method: "POST",
            headers: { "content-type": "application/json", ...officer },
            body: "{}",
          });
          if (response.status >= 500) return undefined;
          if (!response.ok) throw new PermanentFailure(`accept: HTTP ${response.status} ${await response.text()}`);
          return true;
        }),
      ),
    );
    // The events leave through routing's outbox after the answer: read the topics until they are all there.
    const all = { submitted: everyone.length, accepted: everyone.length, routed: everyone.length };
    const counts = async (): Promise<typeof all> => {
      const ids = new Map<string, Set<string>>();
      for (const topic of [Topics.intake, Topics.routing]) {
        for (const record of await readTopicWithKcat(mock!.bootstrapServers, topic, 30_000)) {
          const headers = headersOf(record);
          const key = `${record.key} ${headers.ce_type}`;
          ids.set(key, (ids.get(key) ?? new Set()).add(headers.ce_id ?? ""));
        }
      }
      // Dossiers with exactly one event of the type: a record repeated under its own id is absorbed, a second id is not.
      const once = (type: string) =>
        everyone.filter((dossier) => ids.get(`${dossier.dossierId} ${type}`)?.size === 1).length;
      return {
        submitted: once(EventTypes.applicationSubmitted.type),
        accepted: once(EventTypes.applicationAccepted.type),
        routed: once(EventTypes.dossierRouted.type),
      };
    };
    let seen = await counts();
    await waitFor(
      async () => {
        seen = await counts();
        return JSON.stringify(seen) === JSON.stringify(all);
      },
      { timeoutMs: 30_000, intervalMs: 500, description: "every dossier's events on the topics" },
    ).catch(() => undefined);
    expect(seen).toEqual(all);
  }, 240_000);
});
