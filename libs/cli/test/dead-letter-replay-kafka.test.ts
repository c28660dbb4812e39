import * as path from "node:path";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { EventTypes, Topics } from "@lienthong/contracts";
import { REPLAYED_FROM_HEADER, replayTopicFor } from "@lienthong/messaging";
import { routingCollections } from "@lienthong/routing";
import { openDocumentStore, type DocumentStore } from "@lienthong/storage";
import { describeWithKafka, startKafkaMock, tempDir, waitFor, type KafkaMock, type TempDir } from "@lienthong/testing";
import { demoApplication } from "../src/demo";
import { developmentCredentials, type DemoCredentials } from "../src/dev-credentials";
import { lienthong } from "./support/cli";
import { DistributedPlatform, mockClusterEnv } from "./support/distributed-platform";
import { acceptAndApproveThroughFaults, assignmentOf, submitDossier, type UrlOf } from "./support/dossier-driver";
import { headersOf, readTopicWithKcat } from "./support/kafka-platform";
import { holdNextDossierCode } from "./support/stray-dossier-code";

/**
 * Issue 10's replay acceptance in distributed mode: the four services as
 * processes on librdkafka's mock cluster. Routing cannot take a dossier in (a
 * stray record in its store holds the dossier's code), so its submitted event
 * is dead-lettered; province IT lists the letter with the CLI against the
 * four services' URLs and an operator's token, mends the cause, replays it,
 * and the dossier reaches its result. The replay travels on routing's own
 * replay topic, read back by kcat: intake's topic carries the submission
 * once, so no other group sees it again (docs/decisions.md §41).
 */

interface Letter {
  service: string;
  id: string;
  key: string;
  type: string;
  state: string;
}

jest.setTimeout(300_000);

describeWithKafka("lienthong dead-letters replay, four processes on the mock cluster", () => {
  let mock: KafkaMock | undefined;
  let dir: TempDir | undefined;
  let platform: DistributedPlatform | undefined;
  let routingStore: DocumentStore | undefined;
  let credentials: DemoCredentials;
  const urlOf: UrlOf = (service) => platform!.url(service);

  const withLogs = (error: unknown): Error =>
    new Error(`${error instanceof Error ? error.message : String(error)}\n${platform?.logTails(60) ?? ""}`, {
      cause: error,
    });
  /** The CLI against the four processes, as province IT with its token. */
  const deadLetters = (...args: string[]) =>
    lienthong(
      "dead-letters",
      ...args,
      "--token",
      credentials.operator.authorization!.replace(/^Bearer /, ""),
      ...(["intake", "routing", "signature", "notification"] as const).flatMap((service) => [
        "--service-url",
        `${service}=${urlOf(service)}`,
      ]),
    );

  beforeAll(async () => {
    mock = await startKafkaMock({ brokers: 1 });
    dir = await tempDir("lienthong-replay-kafka");
    const identityDir = path.join(dir.path, "identity");
    credentials = await developmentCredentials(identityDir);
    try {
      platform = await DistributedPlatform.start({ env: mockClusterEnv(mock, identityDir), startTimeoutMs: 90_000 });
      await waitFor(() => platform!.ready(), {
        timeoutMs: 90_000,
        intervalMs: 250,
        description: "every process ready",
      });
    } catch (error) {
      throw withLogs(error);
    }
    // Routing's store, beside its process (SQLite in WAL mode lets two processes share it).
    const routing = platform.instancesOf("routing")[0]!.current!;
    routingStore = await openDocumentStore({
      kind: "embedded",
      path: path.join(routing.dataDir.path, "routing", "store.db"),
    });
    await routingStore.ensureCollections(routingCollections);
  }, 240_000);

  afterAll(async () => {
    await routingStore?.close();
    await platform?.stop();
    await mock?.stop();
    await dir?.remove();
  });

  test("a dead-lettered submission is replayed to routing alone and the dossier reaches its result", async () => {
    try {
      const deadline = Date.now() + 240_000;
      const { codes, release } = await holdNextDossierCode(
        { store: routingStore! },
        demoApplication().receivingUnitCode,
      );
      const dossier = await submitDossier(urlOf, credentials, "replay-kafka@example.vn", deadline);
      expect(codes).toContain(dossier.dossierCode);

      let letter: Letter | undefined;
      await waitFor(
        async () => {
          const listed = await deadLetters("list", "--state", "open", "--json");
          expect(listed).toMatchObject({ code: 0, stderr: "" });
          letter = (JSON.parse(listed.stdout) as { letters: Letter[] }).letters.find(
            (candidate) => candidate.key === dossier.dossierId,
          );
          return letter !== undefined;
        },
        { description: "the submitted event's dead letter listed", timeoutMs: 120_000, intervalMs: 1_000 },
      );
      expect(letter).toMatchObject({ service: "routing", type: EventTypes.applicationSubmitted.type });

      await release();
      const replayed = await deadLetters("replay", letter!.id);
      expect(replayed).toMatchObject({ code: 0, stdout: `replayed ${letter!.id}\n` });
      await acceptAndApproveThroughFaults(urlOf, credentials, dossier.dossierCode, deadline);
      await waitFor(async () => (await assignmentOf(urlOf, credentials, dossier.dossierCode, deadline)).status === 9, {
        description: `${dossier.dossierCode} at status 9`,
        timeoutMs: 120_000,
        intervalMs: 500,
      });

      // On the wire: the replay sits on routing's replay topic, naming intake's topic; intake's topic has the
      // submission once.
      const replays = (await readTopicWithKcat(mock!.bootstrapServers, replayTopicFor("routing"), 30_000)).filter(
        (record) => record.key === dossier.dossierId,
      );
      expect(replays).toHaveLength(1);
      expect(headersOf(replays[0]!)).toMatchObject({
        ce_type: EventTypes.applicationSubmitted.type,
        [REPLAYED_FROM_HEADER]: Topics.intake,
      });
      const submissions = (await readTopicWithKcat(mock!.bootstrapServers, Topics.intake, 30_000)).filter(
        (record) =>
          record.key === dossier.dossierId && headersOf(record).ce_type === EventTypes.applicationSubmitted.type,
      );
      expect(submissions).toHaveLength(1);
      expect(headersOf(replays[0]!).ce_id).toBe(headersOf(submissions[0]!).ce_id);

      // Routing's figures, from its metrics registry on Kafka: its lag on intake's topic and on its replay topic,
      // every partition read to the end.
      await waitFor(
        async () => {
          const response = await fetch(`${urlOf("routing")}/ops/health`, { headers: credentials.operator });
          const { series } = (await response.json()) as {
            series: { name: string; labels: Record<string, string>; value: number }[];
          };
          const lag = series.filter((one) => one.name === "messaging_consumer_lag");
          const topics = new Set(lag.map((one) => one.labels.topic));
          return (
            topics.has(Topics.intake) && topics.has(replayTopicFor("routing")) && lag.every((one) => one.value === 0)
          );
        },
        {
          description: "routing's lag on intake's and its replay topic back to 0",
          timeoutMs: 60_000,
          intervalMs: 1_000,
        },
      );
    } catch (error) {
      throw withLogs(error);
    }
  });
});
