import * as path from "node:path";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { EventTypes } from "@lienthong/contracts";
import { CLIENT_KEY_HEADER, DEVELOPMENT_CLIENTS } from "@lienthong/service-host";
import { describeWithKafka, startKafkaMock, tempDir, waitFor, type KafkaMock, type TempDir } from "@lienthong/testing";
import { startCommuneSimulator } from "../src/commune-simulator";
import { runDemo } from "../src/demo";
import { mockClusterEnv } from "./support/distributed-platform";
import { developmentCredentials, type DemoCredentials } from "../src/dev-credentials";
import {
  SERVICE_NAMES,
  headersOf,
  killServiceProcesses,
  platformUrls,
  readTopicWithKcat,
  serviceEntryPoint,
  startServiceProcess,
  stopServiceProcess,
  type KcatRecord,
  type ServiceName,
  type ServiceProcess,
} from "./support/kafka-platform";

/**
 * Distributed mode over the real Kafka protocol (ARCHITECTURE.md §7): the four
 * services as separate processes against librdkafka's mock cluster, one dossier
 * from submission to a signed, notified result — one trace across the four
 * processes, CloudEvents records that an independent client (kcat) reads, and a
 * graceful stop of every process.
 */

const WEBHOOK_SECRET = "kafka-flow-test-webhook-secret";
const SHUTDOWN_TIMEOUT_MS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

interface TraceSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  scope: string;
  service: string;
}

type DemoResult = Awaited<ReturnType<typeof runDemo>>;

describeWithKafka("distributed mode: four service processes over the Kafka protocol", () => {
  let mock: KafkaMock | undefined;
  let simulator: Awaited<ReturnType<typeof startCommuneSimulator>> | undefined;
  let outDir: TempDir | undefined;
  const services: ServiceProcess[] = [];
  let demo: DemoResult | undefined;
  let credentials: DemoCredentials;

  const logTails = (): string =>
    services.map((service) => `--- ${service.name} ---\n${service.logs.text()}`).join("\n");
  const flowResult = (): DemoResult => {
    if (!demo) throw new Error("the flow did not complete; see the first failing test");
    return demo;
  };

  beforeAll(async () => {
    // Fail fast, before starting anything, when the services were not built.
    for (const name of SERVICE_NAMES) serviceEntryPoint(name);
    mock = await startKafkaMock({ brokers: 3 });
    simulator = await startCommuneSimulator(WEBHOOK_SECRET, 0);
    outDir = await tempDir("lienthong-kafka-flow-out");
    // One development issuer for the four processes, as a province has one identity provider.
    const identityDir = path.join(outDir.path, "identity");
    credentials = await developmentCredentials(identityDir);
    const env: NodeJS.ProcessEnv = {
      ...mockClusterEnv(mock, identityDir),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      WEBHOOK_DEFAULT_URL: `${simulator.url}/webhooks`,
      WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
    };
    const launches = await Promise.allSettled(
      SERVICE_NAMES.map((name) => startServiceProcess({ name, env, startTimeoutMs: 90_000 })),
    );
    for (const launch of launches) if (launch.status === "fulfilled") services.push(launch.value);
    const failed = launches.filter((launch): launch is PromiseRejectedResult => launch.status === "rejected");
    if (failed.length > 0) throw new Error(failed.map((launch) => String(launch.reason)).join("\n\n"));
    await waitFor(
      async () =>
        (await Promise.all(services.map(async (service) => (await fetch(`${service.httpUrl}/readyz`)).ok))).every(
          Boolean,
        ),
      { timeoutMs: 15_000, intervalMs: 200, description: "/readyz of all four services" },
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logTails()}`, { cause: error });
    });
  }, 120_000);

  afterAll(async () => {
    await killServiceProcesses(services);
    await simulator?.close();
    await mock?.stop();
    await outDir?.remove();
  }, 20_000);

  test("a dossier goes from submission to a signed result and notifications", async () => {
    const urls = platformUrls(services);
    try {
      demo = await runDemo({ urls, credentials, outDir: outDir!.path, timeoutMs: 30_000, log: () => undefined });
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logTails()}`, { cause: error });
    }
    expect(demo.finalStatus).toBe(9);
    expect(demo.signature.valid).toBe(true);
    expect(demo.notifications).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          channel: "email",
          recipient: "applicant",
          trigger: EventTypes.resultIssued.type,
          state: "delivered",
        }),
        expect.objectContaining({
          channel: "webhook",
          recipient: "commune-system",
          trigger: EventTypes.resultIssued.type,
          state: "delivered",
        }),
      ]),
    );
    // The commune system itself got the result webhook, and its signature checked out.
    const { webhooks } = (await (await fetch(`${simulator!.url}/webhooks`)).json()) as {
      webhooks: { verified: boolean; body: { type?: string; dossierId?: string } | null }[];
    };
    expect(webhooks).toContainEqual(
      expect.objectContaining({
        verified: true,
        body: expect.objectContaining({ type: EventTypes.resultIssued.type, dossierId: demo.dossierId }),
      }),
    );
  }, 35_000);

  test("every process contributed spans to the dossier's one trace, and the parent links connect", async () => {
    const { traceId } = flowResult();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const fetchTrace = async (): Promise<Map<ServiceName, TraceSpan[]>> => {
      const fetched = new Map<ServiceName, TraceSpan[]>();
      for (const service of services) {
        const body = (await (
          await fetch(`${service.httpUrl}/ops/traces/${traceId}`, { headers: credentials.operator })
        ).json()) as { spans: TraceSpan[] };
        fetched.set(service.name, body.spans);
      }
      return fetched;
    };
    const orphansOf = (spans: TraceSpan[]): TraceSpan[] => {
      const known = new Set(spans.map((span) => span.spanId));
      return spans.filter((span) => span.parentSpanId !== undefined && !known.has(span.parentSpanId));
    };
    // A span is stored when it ends: a parent may still be open a moment after its child was stored.
    let byService = await fetchTrace();
    for (
      const giveUp = Date.now() + 15_000;
      orphansOf([...byService.values()].flat()).length > 0 && Date.now() < giveUp;
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      byService = await fetchTrace();
    }
    for (const name of SERVICE_NAMES) {
      const spans = byService.get(name) ?? [];
      expect({ service: name, spans: spans.length > 0 }).toEqual({ service: name, spans: true });
      for (const span of spans)
        expect({ traceId: span.traceId, service: span.service }).toEqual({ traceId, service: name });
    }
    const all = [...byService.values()].flat();
    // The demo client is not traced, so the submission's server span in intake is the trace's only root.
    const roots = all.filter((span) => span.parentSpanId === undefined);
    const orphans = orphansOf(all);
    expect(orphans.map((span) => `${span.service}: ${span.name} (parent ${span.parentSpanId})`)).toEqual([]);
    expect(roots.map((span) => span.service)).toEqual(["intake"]);
  }, 15_000);

  const expectCloudEventRecord = async (topic: string, source: string, type: string): Promise<KcatRecord> => {
    const { dossierId, traceId } = flowResult();
    const records = await readTopicWithKcat(mock!.bootstrapServers, topic, 15_000);
    const ofDossier = records.filter((record) => record.key === dossierId && headersOf(record).ce_type === type);
    expect(ofDossier).toHaveLength(1);
    const record = ofDossier[0]!;
    // kcat's own line, for the record; the payload (protobuf with the applicant's data) is left out.
    console.log(
      `kcat -J ${topic}: ${JSON.stringify({ ...JSON.parse(record.line), payload: "<protobuf payload omitted>" })}`,
    );
    const headers = headersOf(record);
    expect(headers).toEqual(
      expect.objectContaining({
        ce_specversion: "1.0",
        ce_source: source,
        ce_type: type,
        "content-type": "application/protobuf",
      }),
    );
    expect(headers.ce_id).toMatch(UUID);
    expect(headers.ce_time).toMatch(RFC3339);
    expect(TRACEPARENT.exec(headers.traceparent ?? "")?.[1]).toBe(traceId);
    return record;
  };

  test("kcat reads the submission from intake's topic: key = dossier id, CloudEvents headers, the trace", async () => {
    // Literal names: this is the wire contract other Kafka clients rely on.
    await expectCloudEventRecord(
      "lienthong.intake.applications.v1",
      "intake",
      "gov.lienthong.application.submitted.v1",
    );
  }, 20_000);

  test("kcat reads the routing decision from routing's topic the same way", async () => {
    await expectCloudEventRecord("lienthong.routing.dossiers.v1", "routing", "gov.lienthong.dossier.routed.v1");
  }, 20_000);

  test("kcat reads the receipt slip from signature's topic; the desk lists it and downloads it signed", async () => {
    const { dossierId } = flowResult();
    await expectCloudEventRecord(
      "lienthong.signature.documents.v1",
      "signature",
      "gov.lienthong.signature.slip_issued.v1",
    );
    const urls = platformUrls(services);
    const desk = { [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key };
    const listed = (await (
      await fetch(`${urls.signature}/v1/dossiers/${dossierId}/slips`, { headers: desk })
    ).json()) as {
      slips: { kind: string; downloadPath: string }[];
    };
    expect(listed.slips.map((slip) => slip.kind)).toEqual(["receipt"]);
    const pdf = await fetch(`${urls.signature}${listed.slips[0]!.downloadPath}`, { headers: desk });
    expect(pdf.status).toBe(200);
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString("latin1"),
    ).toBe("%PDF-");
  }, 20_000);

  test(
    "SIGTERM stops every process gracefully with exit code 0",
    async () => {
      const outcomes = await Promise.all(
        services.map(async (service) => ({
          service: service.name,
          ...(await stopServiceProcess(service, SHUTDOWN_TIMEOUT_MS + 3_000)),
        })),
      );
      const failed = outcomes.filter((outcome) => outcome.code !== 0);
      if (failed.length > 0) {
        throw new Error(`not stopped gracefully: ${JSON.stringify(failed)}\n${logTails()}`);
      }
      expect(outcomes).toEqual(SERVICE_NAMES.map((service) => ({ service, code: 0, signal: null, timedOut: false })));
    },
    SHUTDOWN_TIMEOUT_MS + 5_000,
  );
});
