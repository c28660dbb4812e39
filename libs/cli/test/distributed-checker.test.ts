import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { EventTypes, Topics, eventNameOf } from "@lienthong/contracts";
import { DeadLetterHeaders, deadLetterTopicFor } from "@lienthong/messaging";
import {
  describeWithKafka,
  startKafkaMock,
  startSmtpPeer,
  tempDir,
  waitFor,
  type KafkaMock,
  type ReceivedMail,
  type SmtpPeer,
  type TempDir,
} from "@lienthong/testing";
import {
  expectedDeliveries,
  formatHops,
  hopLatencies,
  runDemo,
  traceSpans,
  type Delivery,
  type TimelineEntry,
} from "../src/demo";
import { developmentCredentials, type DemoCredentials } from "../src/dev-credentials";
import type { PlatformUrls } from "../src/platform-urls";
import { DeliveryLedger, formatLedger, type LedgerReport } from "./support/delivery-ledger";
import { DistributedPlatform, mockClusterEnv, type ServiceInstance } from "./support/distributed-platform";
import {
  acceptAndApproveThroughFaults,
  persist,
  submitDossier,
  type SubmittedDossier,
  type UrlOf,
} from "./support/dossier-driver";
import { SERVICE_NAMES, headersOf, readTopicWithKcat } from "./support/kafka-platform";
import { startWebhookSink, type WebhookSink } from "./support/webhook-sink";

/**
 * The checker in distributed mode (issue 8): the four services as separate
 * processes on librdkafka's mock cluster, a real SMTP server and a commune
 * system's webhook endpoint; N dossiers driven through the APIs, with the
 * officials' credentials, to their signed result while random services are
 * killed with SIGKILL and started again on their data. Then every effect is
 * counted per dossier against what the happy path calls for:
 *
 * - statuses: the applicant's timeline (intake) shows 1, 2, 4 and 9 once each;
 * - timeline: every other event of the journey, and one "delivered" per delivery;
 * - events: each lifecycle event on its topic (kcat), once under one event id;
 * - deliveries: notification's records of the expected mails and webhooks, all delivered;
 * - mails: what the SMTP server accepted, by Message-ID;
 * - webhooks: what the commune system received, verified, by webhook-id;
 * - dead letters: every record on a dead-letter topic (none expected).
 *
 * "Lost" is an expected item seen under no id; "duplicated" is one seen under
 * two distinct ids (a receiver deduplicating by id would still act twice), or
 * on the timeline the same event shown twice; "unexpected" is anything the
 * dossier does not call for. The same id seen again is a raw repeat, which
 * at-least-once delivery allows after a crash and the receiver absorbs by its
 * id: reported, not a fault. CHECKER_DOSSIERS and CHECKER_KILLS scale it up
 * (libs/cli/README.md).
 */

const DOSSIERS = positive("CHECKER_DOSSIERS", 24);
const KILLS = positive("CHECKER_KILLS", 6);
/** Between one kill and the next, on average. */
const KILL_EVERY_MS = positive("CHECKER_KILL_EVERY_MS", 2_000);
/** Services down (or restarting) at once, at most. */
const MAX_DOWN = positive("CHECKER_MAX_DOWN", 2);
/** Submissions are spread out so that kills land on dossiers at every stage. */
const SUBMIT_EVERY_MS = positive("CHECKER_SUBMIT_EVERY_MS", 300);
/** Generous, for a busy 2-core machine: the run itself takes well under a minute when idle. */
const DRIVE_TIMEOUT_MS = 60_000 + DOSSIERS * 4_000 + KILLS * 10_000;
const SETTLE_TIMEOUT_MS = 90_000 + DOSSIERS * 1_000;
const DEMO_DOSSIERS = 5;
const WEBHOOK_SECRET = "distributed-checker-webhook-secret";

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** The journey of an approved application: each event, and the status it moves the dossier to (0: none). */
const HAPPY_PATH: readonly { type: string; status: number }[] = [
  { type: EventTypes.applicationSubmitted.type, status: 1 },
  { type: EventTypes.applicationAccepted.type, status: 2 },
  { type: EventTypes.dossierRouted.type, status: 4 },
  // The receipt-and-appointment slip signature issues for the acceptance (docs/decisions.md §58).
  { type: EventTypes.slipIssued.type, status: 0 },
  { type: EventTypes.dossierDecided.type, status: 0 },
  { type: EventTypes.signatureRequested.type, status: 0 },
  { type: EventTypes.documentSigned.type, status: 0 },
  { type: EventTypes.resultIssued.type, status: 9 },
];
/** What notification plans for that journey ("email <trigger>", "webhook <trigger>"), by the demo's reading of its plans. */
const EXPECTED_DELIVERIES = expectedDeliveries(HAPPY_PATH.map(({ type, status }) => ({ eventType: type, status })));
/** Events of routing's deadline clock: whether a dossier gets them depends on the day it is accepted. */
const CALENDAR_EVENTS = [EventTypes.deadlineDueSoon.type, EventTypes.dossierOverdue.type];
const LIFECYCLE_TOPICS = [Topics.intake, Topics.routing, Topics.signature];

const channelOf = (delivery: Delivery) => (delivery.channel === 1 ? "email" : "webhook");
/** The catalogue's name of an event type ("applicationAccepted"), for keys and findings. */
const short = (type: string) => eventNameOf(type) ?? type;

describeWithKafka("distributed mode under kill -9: the checker counts every status, event and delivery", () => {
  let mock: KafkaMock | undefined;
  let smtp: SmtpPeer | undefined;
  let webhooks: WebhookSink | undefined;
  let dir: TempDir | undefined;
  let platform: DistributedPlatform | undefined;
  let credentials: DemoCredentials;
  const urlOf: UrlOf = (service) => platform!.url(service);
  const platformUrls = (): PlatformUrls => ({
    intake: urlOf("intake"),
    routing: urlOf("routing"),
    signature: urlOf("signature"),
    notification: urlOf("notification"),
  });

  const withLogs = (error: unknown): Error =>
    new Error(`${error instanceof Error ? error.message : String(error)}\n${platform?.logTails() ?? ""}`, {
      cause: error,
    });

  beforeAll(async () => {
    mock = await startKafkaMock({ brokers: 3 });
    smtp = await startSmtpPeer();
    webhooks = await startWebhookSink(WEBHOOK_SECRET);
    dir = await tempDir("lienthong-checker");
    const identityDir = path.join(dir.path, "identity");
    credentials = await developmentCredentials(identityDir);
    platform = await DistributedPlatform.start({
      env: {
        ...mockClusterEnv(mock, identityDir),
        SMTP_URL: smtp.url,
        WEBHOOK_DEFAULT_URL: webhooks.url,
        WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
      },
      // A restarted process joins a group with its dead predecessor in it: ~29 s in the mock (README).
      startTimeoutMs: 90_000,
    });
    await waitFor(() => platform!.ready(), {
      timeoutMs: 40_000,
      intervalMs: 200,
      description: "/readyz of the four services",
    }).catch((error: unknown) => {
      throw withLogs(error);
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await webhooks?.close();
    await smtp?.close();
    await mock?.stop();
    await dir?.remove();
  }, 30_000);

  test("the demo in Kafka mode gets every delivery its dossiers call for and prints per-hop latency", async () => {
    const lines: string[] = [];
    const result = await runDemo({
      urls: {
        intake: urlOf("intake"),
        routing: urlOf("routing"),
        signature: urlOf("signature"),
        notification: urlOf("notification"),
      },
      credentials,
      outDir: path.join(dir!.path, "demo"),
      timeoutMs: 90_000,
      dossiers: DEMO_DOSSIERS,
      log: (line) => lines.push(line),
    }).catch((error: unknown) => {
      throw withLogs(error);
    });
    console.log(`lienthong demo --dossiers ${DEMO_DOSSIERS} on the mock cluster:\n${lines.join("\n")}`);

    expect(result.finalStatus).toBe(9);
    // Every delivery, not only the result's: the accepted mail and the accepted/routed webhooks were the ones lost.
    expect(result.deliveries).toEqual({
      dossiers: DEMO_DOSSIERS,
      expected: DEMO_DOSSIERS * EXPECTED_DELIVERIES.length,
      delivered: DEMO_DOSSIERS * EXPECTED_DELIVERIES.length,
    });
    expect(result.notifications.map((n) => `${n.channel} ${n.trigger} ${n.state}`).sort()).toEqual(
      EXPECTED_DELIVERIES.map((expected) => `${expected} delivered`).sort(),
    );
    // The figures are printed for each hop between services (their values are the machine's business, not the test's).
    const printed = (hop: string, via: string) =>
      lines.some((line) =>
        new RegExp(`^\\s+${hop}\\s+${via}\\s+n=\\s*\\d+\\s+p50\\s+-?\\d+ ms\\s+p95\\s+-?\\d+ ms$`).test(line),
      );
    // Every consumer group's share of the bus (intake, routing, signature and notification each consume).
    for (const hop of [...SERVICE_NAMES.map((service) => `bus → ${service}`), "every bus hop"]) {
      expect({ hop, printed: printed(hop, "bus") }).toEqual({ hop, printed: true });
    }
    for (const hop of ["signatureRequested → documentSigned", "documentSigned → resultIssued"]) {
      expect({ hop, printed: printed(hop, "another service") }).toEqual({ hop, printed: true });
    }
    for (const hop of ["event → email delivered", "event → webhook delivered"]) {
      expect({ hop, printed: printed(hop, "delivery") }).toEqual({ hop, printed: true });
    }
  }, 120_000);

  test(
    `${DOSSIERS} dossiers through ${KILLS} kill -9s: each reaches its result; nothing lost, duplicated or unexpected`,
    async () => {
      const started = Date.now();
      const deadline = started + DRIVE_TIMEOUT_MS;
      // Effects before this point belong to the demo's dossiers.
      const mailsBefore = smtp!.received.length;
      const webhooksBefore = webhooks!.received.length;
      const runId = Date.now().toString(36);

      // Kills at random, each victim started again (on its data) in the background: a restarted consumer waits
      // for its group to drop the dead member (kafkajs's 30 s session), and the next kill need not wait for that.
      const kills: string[] = [];
      const chaos = async (): Promise<void> => {
        const down = new Set<ServiceInstance>();
        const restarts: Promise<unknown>[] = [];
        while (kills.length < KILLS) {
          await sleep(KILL_EVERY_MS * (0.5 + Math.random()));
          const candidates = platform!.all().filter((instance) => instance.current && !down.has(instance));
          if (down.size >= MAX_DOWN || candidates.length === 0) continue;
          const victim = candidates[Math.floor(Math.random() * candidates.length)]!;
          down.add(victim);
          await platform!.kill9(victim);
          kills.push(`${victim.label} at +${((Date.now() - started) / 1000).toFixed(1)} s`);
          restarts.push(
            (async () => {
              // Down long enough for callers to notice.
              await sleep(300 + Math.random() * 1_200);
              await persist(`restarting ${victim.label}`, deadline, () => platform!.restart(victim));
              down.delete(victim);
            })(),
          );
        }
        await Promise.all(restarts);
      };

      const dossiers: SubmittedDossier[] = [];
      const drive = async (index: number): Promise<void> => {
        await sleep(index * SUBMIT_EVERY_MS);
        const dossier = await submitDossier(urlOf, credentials, `applicant-${runId}-${index}@example.vn`, deadline);
        dossiers.push(dossier);
        await acceptAndApproveThroughFaults(urlOf, credentials, dossier.dossierCode, deadline);
      };
      try {
        await Promise.all([chaos(), ...Array.from({ length: DOSSIERS }, (_, index) => drive(index))]);
      } catch (error) {
        throw withLogs(error);
      }
      const decidedAt = Date.now();

      // Collect what each dossier shows, and wait (bounded) until every one shows everything it calls for.
      const byId = new Map(dossiers.map((dossier) => [dossier.dossierId, dossier]));
      const byEmail = new Map(dossiers.map((dossier) => [dossier.email, dossier]));
      const timelines = new Map<string, { status: number; timeline: TimelineEntry[] }>();
      const deliveries = new Map<string, Delivery[]>();
      const collect = async (): Promise<void> => {
        await Promise.all(
          dossiers.map(async ({ dossierId, dossierCode }) => {
            const application = await persist(`intake's view of ${dossierCode}`, Date.now() + 30_000, async () => {
              const response = await fetch(`${urlOf("intake")}/v1/applications/${dossierCode}`, {
                headers: credentials.client,
              });
              return response.ok
                ? ((await response.json()) as { application: { status: number; timeline: TimelineEntry[] } })
                    .application
                : undefined;
            });
            timelines.set(dossierId, application);
            const listed = await persist(`notification's view of ${dossierCode}`, Date.now() + 30_000, async () => {
              const response = await fetch(`${urlOf("notification")}/v1/dossiers/${dossierCode}/deliveries`, {
                headers: credentials.client,
              });
              return response.ok ? ((await response.json()) as { deliveries: Delivery[] }).deliveries : undefined;
            });
            deliveries.set(dossierId, listed);
          }),
        );
      };
      const settled = (): boolean =>
        dossiers.every(({ dossierId, email }) => {
          const application = timelines.get(dossierId);
          const listed = deliveries.get(dossierId) ?? [];
          const mails = smtp!.received.slice(mailsBefore).filter((mail) => mail.envelopeTo.includes(email));
          const hooks = webhooks!.received.slice(webhooksBefore).filter((hook) => hook.body?.dossierId === dossierId);
          const recorded = application?.timeline.filter(
            (entry) => entry.eventType === EventTypes.notificationDelivered.type,
          ).length;
          return (
            application?.status === 9 &&
            listed.length >= EXPECTED_DELIVERIES.length &&
            listed.every((delivery) => delivery.stateName === "delivered") &&
            recorded === listed.length &&
            new Set(mails.map(messageIdOf)).size >= EXPECTED_DELIVERIES.filter(isMail).length &&
            new Set(hooks.map((hook) => hook.webhookId)).size >= EXPECTED_DELIVERIES.filter(isWebhook).length
          );
        });
      // Losses show as a timeout here and are then named one by one in the report below.
      await waitFor(
        async () => {
          await collect();
          return settled();
        },
        { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 1_000, description: "every dossier's result and deliveries" },
      ).catch((error: unknown) => console.warn(String(error)));
      const settledAt = Date.now();

      const report = await count({
        dossiers,
        byId,
        byEmail,
        timelines,
        deliveries,
        mails: smtp!.received.slice(mailsBefore),
        hooks: webhooks!.received.slice(webhooksBefore),
        bootstrapServers: mock!.bootstrapServers,
      });
      // Spans live in each process's memory: a killed process took its own with it, so these figures are partial.
      const spans = await Promise.all(dossiers.map(({ traceId }) => traceSpans(platformUrls(), credentials, traceId)));
      const { hops, busHops } = hopLatencies(
        dossiers.map(({ dossierId }, index) => ({
          timeline: timelines.get(dossierId)?.timeline ?? [],
          deliveries: deliveries.get(dossierId) ?? [],
          spans: spans[index]!,
        })),
      );
      const results = dossiers.filter(({ dossierId }) => timelines.get(dossierId)?.status === 9).length;
      console.log(
        [
          `checker: ${dossiers.length} dossiers, ${kills.length} kill -9s (${kills.join(", ")})`,
          `all decided and all kills done after ${((decidedAt - started) / 1000).toFixed(1)} s, settled after ${((settledAt - started) / 1000).toFixed(1)} s; ${results} of ${dossiers.length} reached status 9`,
          formatLedger(report),
          ...report.findings.slice(0, 60),
          report.findings.length > 60 ? `… and ${report.findings.length - 60} more findings` : "",
          "per-hop latency under the kills (event timestamps):",
          ...formatHops(busHops ? [...hops, busHops] : hops).map((line) => `  ${line}`),
        ]
          .filter((line) => line !== "")
          .join("\n"),
      );

      expect(kills).toHaveLength(KILLS);
      expect(results).toBe(DOSSIERS);
      expect(report.findings).toEqual([]);
      expect(report.faults).toBe(0);
    },
    DRIVE_TIMEOUT_MS + SETTLE_TIMEOUT_MS + 60_000,
  );
});

const isMail = (expected: string) => expected.startsWith("email ");
const isWebhook = (expected: string) => expected.startsWith("webhook ");

/** Every observation of the run against what its dossiers call for. */
async function count(run: {
  dossiers: readonly SubmittedDossier[];
  byId: ReadonlyMap<string, SubmittedDossier>;
  byEmail: ReadonlyMap<string, SubmittedDossier>;
  timelines: ReadonlyMap<string, { status: number; timeline: TimelineEntry[] }>;
  deliveries: ReadonlyMap<string, Delivery[]>;
  mails: readonly ReceivedMail[];
  hooks: WebhookSink["received"];
  bootstrapServers: readonly string[];
}): Promise<LedgerReport> {
  const ledger = new DeliveryLedger(
    [
      { name: "statuses", repeats: "duplicated" },
      { name: "timeline", repeats: "duplicated" },
      { name: "events", repeats: "absorbed" },
      { name: "deliveries", repeats: "duplicated" },
      { name: "mails", repeats: "absorbed" },
      { name: "webhooks", repeats: "absorbed" },
      { name: "dead letters", repeats: "absorbed" },
    ],
    (dossierId) => run.byId.get(dossierId)?.dossierCode ?? dossierId,
  );
  for (const { dossierId } of run.dossiers) {
    for (const { type, status } of HAPPY_PATH) {
      if (status > 0) ledger.expect("statuses", dossierId, `status ${status} (${short(type)})`);
      else ledger.expect("timeline", dossierId, short(type));
      ledger.expect("events", dossierId, short(type));
    }
    // The calendar decides these (a dossier accepted close to its appointment, as on a weekend): allowed once each.
    for (const type of CALENDAR_EVENTS) {
      ledger.allow("timeline", dossierId, short(type));
      ledger.allow("events", dossierId, short(type));
    }
    ledger.expect("timeline", dossierId, short(EventTypes.notificationDelivered.type), EXPECTED_DELIVERIES.length);
    ledger.expect("events", dossierId, short(EventTypes.notificationDelivered.type), EXPECTED_DELIVERIES.length);
    for (const expected of EXPECTED_DELIVERIES) {
      const [channel, trigger] = expected.split(" ") as [string, string];
      ledger.expect("deliveries", dossierId, `${channel} for ${short(trigger)}`);
      ledger.expect(channel === "email" ? "mails" : "webhooks", dossierId, `${channel} for ${short(trigger)}`);
    }
  }

  // The timeline: a status-carrying entry is a status; every entry is one event id.
  for (const [dossierId, { timeline }] of run.timelines) {
    for (const entry of timeline) {
      if (entry.status > 0)
        ledger.observe("statuses", dossierId, `status ${entry.status} (${short(entry.eventType)})`, entry.eventId);
      else ledger.observe("timeline", dossierId, short(entry.eventType), entry.eventId);
    }
  }

  // notification's records, and the trigger of each id (mails carry their notification id as Message-ID).
  const triggerOf = new Map<string, { dossierId: string; key: string }>();
  for (const [dossierId, listed] of run.deliveries) {
    for (const delivery of listed) {
      const key = `${channelOf(delivery)} for ${short(delivery.triggerType)}`;
      triggerOf.set(delivery.notificationId, { dossierId, key });
      if (delivery.stateName === "delivered") ledger.observe("deliveries", dossierId, key, delivery.notificationId);
      else ledger.stray("deliveries", dossierId, `${key} (${delivery.notificationId}) ${delivery.stateName}`);
    }
  }

  for (const mail of run.mails) {
    const dossier = mail.envelopeTo.map((to) => run.byEmail.get(to)).find(Boolean);
    const id = messageIdOf(mail).replace(/@lienthong$/, "");
    const known = triggerOf.get(id);
    if (!dossier || known?.dossierId !== dossier.dossierId) {
      ledger.stray("mails", dossier?.dossierId, `mail ${messageIdOf(mail)} to ${mail.envelopeTo.length} recipient(s)`);
    } else {
      ledger.observe("mails", dossier.dossierId, known.key, id);
    }
  }

  // The events each dossier's topics carry, by event id; webhooks must name one of them.
  const eventIds = new Set<string>();
  for (const topic of [...LIFECYCLE_TOPICS, Topics.notification]) {
    for (const record of await readTopicWithKcat(run.bootstrapServers, topic, 30_000)) {
      if (!record.key || !run.byId.has(record.key)) continue; // another run's dossier (the demo's)
      const headers = headersOf(record);
      const type = headers.ce_type ?? "(no ce_type)";
      const id = headers.ce_id ?? `${topic}/${record.partition}/${record.offset}`;
      eventIds.add(id);
      ledger.observe("events", record.key, short(type), id);
    }
  }
  for (const hook of run.hooks) {
    const body = hook.body;
    if (!hook.verified || !body?.dossierId || !body.type) {
      ledger.stray("webhooks", body?.dossierId, `unverified or unreadable call ${hook.webhookId}`);
    } else if (!body.eventId || !eventIds.has(body.eventId)) {
      ledger.stray(
        "webhooks",
        body.dossierId,
        `webhook ${hook.webhookId} for an event never published (${body.eventId})`,
      );
    } else {
      ledger.observe(
        "webhooks",
        run.byId.has(body.dossierId) ? body.dossierId : undefined,
        `webhook for ${short(body.type)}`,
        hook.webhookId,
      );
    }
  }

  for (const service of SERVICE_NAMES) {
    const topic = deadLetterTopicFor(service);
    for (const record of await readTopicWithKcat(run.bootstrapServers, topic, 30_000)) {
      const headers = headersOf(record);
      const dossierId = record.key && run.byId.has(record.key) ? record.key : undefined;
      ledger.stray(
        "dead letters",
        dossierId,
        `${service}: ${short(headers.ce_type ?? "?")} ${headers.ce_id ?? ""}: ${headers[DeadLetterHeaders.error] ?? ""}`,
      );
    }
  }
  return ledger.report();
}

/** A mail's Message-ID without its angle brackets: notification keeps it across retries, so a resend shows. */
function messageIdOf(mail: ReceivedMail): string {
  return /<([^>]+)>/.exec(mail.headers.get("message-id") ?? "")?.[1] ?? "";
}
