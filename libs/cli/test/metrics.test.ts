import { EventTypes } from "@lienthong/contracts";
import { vietnamDate } from "@lienthong/domain";
import { IN_PROCESS_TOPIC_PARTITIONS } from "@lienthong/messaging";
import { DEVELOPMENT_CLIENTS, CLIENT_KEY_HEADER } from "@lienthong/service-host";
import { tempDir, waitFor } from "@lienthong/testing";
import { demoApplication, runDemo } from "../src/demo";
import { developmentCredentials, type DemoCredentials } from "../src/dev-credentials";
import type { EmbeddedPlatform } from "../src/embedded";
import type { PlatformUrls } from "../src/platform-urls";
import { startTestPlatform } from "./support/embedded-platform";
import { metricNamesOf, metricNamesOfDashboards, metricNamesOfRules } from "./support/promql-names";
import { scrape, valueOf, type Scrape } from "./support/prometheus-text";

/**
 * What Prometheus sees of a running embedded platform after a few dossiers:
 * two taken to their result, one accepted then left to go overdue, one
 * record that is not an event (dead-lettered). Every series ARCHITECTURE.md
 * §6 and issue 10 ask for is there with the value those dossiers make, every
 * metric the alert rules and dashboards name exists, and no label carries an
 * id or a person.
 */

/** Monday 1 March 2027, 08:00 Vietnam time: an ordinary working week (the platform's clock, moved by the test). */
const MONDAY = vietnamDate(2027, 3, 1, 8, 0);
const THANH_HOA = "38";
const SERVICES = ["intake", "routing", "signature", "notification"] as const;

describe("metrics of a running platform", () => {
  let now = MONDAY;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let platform: EmbeddedPlatform;
  let urls: PlatformUrls;
  let credentials: DemoCredentials;
  const opsUrl = (service: string) => platform.services.find((running) => running.name === service)!.opsUrl;
  const scrapeOf = (service: string): Promise<Scrape> => scrape(`${opsUrl(service)}/metrics`);
  const scrapeAll = async () =>
    Object.fromEntries(await Promise.all(SERVICES.map(async (service) => [service, await scrapeOf(service)] as const)));

  let overdueCode = "";
  let appointmentAt = new Date(0);

  beforeAll(async () => {
    dir = await tempDir("lienthong-metrics-");
    let identityDir: string;
    ({ platform, urls, identityDir } = await startTestPlatform(dir.file("data"), {
      // Due soon two working hours ahead: a dossier just accepted is not yet.
      env: { DEADLINE_POLL_INTERVAL_MS: "25", DUE_SOON_WORKING_HOURS: "2" },
      clock: () => new Date(now.getTime()),
    }));
    credentials = await developmentCredentials(identityDir);
    await runDemo({ urls, credentials, outDir: dir.file("out"), timeoutMs: 90_000, log: () => undefined, dossiers: 2 });

    // A third dossier, accepted and then left alone.
    const submitted = await fetch(`${urls.intake}/v1/applications`, {
      method: "POST",
      headers: { "content-type": "application/json", [CLIENT_KEY_HEADER]: DEVELOPMENT_CLIENTS.muongLat.key },
      body: JSON.stringify(demoApplication()),
    });
    expect(submitted.status).toBe(201);
    const { application } = (await submitted.json()) as { application: { dossierCode: string } };
    overdueCode = application.dossierCode;
    const dossier = async () => {
      const response = await fetch(`${urls.routing}/v1/dossiers/${overdueCode}`, { headers: credentials.client });
      return response.status === 200
        ? (
            (await response.json()) as {
              assignment: { receivingUnitCode: string; status: number; appointmentAt: string; overdue: boolean };
            }
          ).assignment
        : undefined;
    };
    await waitFor(async () => (await dossier()) !== undefined, { description: "the third dossier at routing" });
    now = vietnamDate(2027, 3, 1, 9, 0);
    const unit = (await dossier())!.receivingUnitCode;
    const accepted = await fetch(`${urls.routing}/v1/dossiers/${overdueCode}/actions/accept`, {
      method: "POST",
      headers: { "content-type": "application/json", ...credentials.officialsOf(unit).receivingOfficer },
      body: "{}",
    });
    expect(accepted.status).toBe(200);
    appointmentAt = new Date((await dossier())!.appointmentAt);

    // Not a CloudEvent: every consumer of intake's topic dead-letters it on its first delivery.
    const routing = platform.hosts.find((host) => host.name === "routing")!;
    await routing.bus.forward([
      {
        topic: EventTypes.applicationSubmitted.topic,
        key: "not-a-dossier",
        value: new TextEncoder().encode("{}"),
        headers: {},
      },
    ]);
    await waitFor(
      async () => valueOf(await scrapeOf("routing"), "messaging_dead_letters_total", { type: "unreadable" }) === 1,
      { description: "routing's dead letter counted", timeoutMs: 20_000 },
    );
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await dir?.remove();
  });

  it("counts what the consumers did: processed events by type, dead letters, retries from 0, lag per partition", async () => {
    const scrapes = await scrapeAll();
    const routing = scrapes.routing!;
    const submittedType = EventTypes.applicationSubmitted.type;
    // Three submissions, each once (the inbox absorbs any repeat as a duplicate).
    expect(
      valueOf(routing, "messaging_consumer_events_total", {
        group: "routing",
        type: submittedType,
        outcome: "processed",
      }),
    ).toBe(3);
    expect(
      valueOf(routing, "messaging_consumer_processing_duration_seconds_count", {
        group: "routing",
        type: submittedType,
        outcome: "processed",
      }),
    ).toBe(3);
    expect(valueOf(routing, "messaging_dead_letters_total", { group: "routing", type: "unreadable" })).toBe(1);
    expect(valueOf(routing, "messaging_dead_letters_total", { group: "routing", type: submittedType })).toBe(0);
    expect(valueOf(routing, "messaging_consumer_retries_total", { group: "routing", type: submittedType })).toBe(0);
    // Signature's result ended in notification: it consumed signature's topic, every partition reported.
    const lag = scrapes.notification!.samples.filter(
      (sample) => sample.name === "messaging_consumer_lag" && sample.labels.topic === EventTypes.documentSigned.topic,
    );
    const partitions = Array.from({ length: IN_PROCESS_TOPIC_PARTITIONS }, (_, partition) => String(partition));
    expect(lag.map((sample) => sample.labels.partition).sort()).toEqual(partitions.sort());
    await waitFor(
      async () =>
        (await scrapeOf("notification")).samples
          .filter((sample) => sample.name === "messaging_consumer_lag")
          .every((sample) => sample.value === 0),
      { description: "notification's lag back to 0" },
    );
  });

  it("shows outbox, store and readiness figures of every service", async () => {
    for (const [service, scraped] of Object.entries(await scrapeAll())) {
      expect([service, valueOf(scraped, "service_ready")]).toEqual([service, 1]);
      expect(valueOf(scraped, "outbox_backlog")).toBeDefined();
      expect(valueOf(scraped, "outbox_oldest_age_seconds")).toBeGreaterThanOrEqual(0);
      expect(valueOf(scraped, "store_commit_duration_seconds_count", { outcome: "ok" })).toBeGreaterThan(0);
    }
  });

  it("counts deliveries by channel and state, and times signing", async () => {
    const { notification, signature } = await scrapeAll();
    // The demo waits for every delivery of its two dossiers: mails to the applicant, webhooks to Mường Lát.
    expect(
      valueOf(notification!, "notification_deliveries_total", { channel: "email", state: "delivered" }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      valueOf(notification!, "notification_deliveries_total", { channel: "webhook", state: "delivered" }),
    ).toBeGreaterThanOrEqual(2);
    expect(valueOf(notification!, "notification_deliveries", { channel: "email", state: "failed" })).toBe(0);
    // Two results, and a receipt slip for each of the three acceptances (docs/decisions.md §58), signed as they come.
    expect(
      valueOf(signature!, "signature_duration_seconds_count", { step: "sign", outcome: "ok" }),
    ).toBeLessThanOrEqual(5);
    await waitFor(
      async () =>
        valueOf((await scrapeAll()).signature!, "signature_duration_seconds_count", { step: "sign", outcome: "ok" }) ===
        5,
      { description: "five signatures: two results, three receipt slips", timeoutMs: 30_000 },
    );
  });

  it("shows routing's figures per province: in progress, due soon, overdue, finished this month and the on-time ratio", async () => {
    const routing = await scrapeOf("routing");
    const inProgress = (status: string) =>
      valueOf(routing, "routing_dossiers_in_progress", { province: THANH_HOA, status });
    expect((inProgress("2") ?? 0) + (inProgress("4") ?? 0)).toBe(1);
    expect(inProgress("1")).toBe(0);
    expect(valueOf(routing, "routing_dossiers_overdue", { province: THANH_HOA })).toBe(0);
    expect(valueOf(routing, "routing_dossiers_due_soon", { province: THANH_HOA })).toBe(0);
    const finished = (timeliness: string) =>
      valueOf(routing, "routing_dossiers_finished", { province: THANH_HOA, timeliness }) ?? 0;
    expect(finished("early") + finished("on_time")).toBe(2);
    expect(finished("late")).toBe(0);
    expect(valueOf(routing, "routing_on_time_ratio", { province: THANH_HOA })).toBe(1);

    // An hour before the appointment: due soon.
    now = new Date(appointmentAt.getTime() - 60 * 60 * 1000);
    const dueSoon = await scrapeOf("routing");
    expect(valueOf(dueSoon, "routing_dossiers_due_soon", { province: THANH_HOA })).toBe(1);
    expect(valueOf(dueSoon, "routing_dossiers_overdue", { province: THANH_HOA })).toBe(0);

    // A day past it, once the deadline watcher has marked it: overdue, and it counts against the ratio. Each look
    // moves the clock past the figures' refresh interval, so that they are counted again.
    now = new Date(appointmentAt.getTime() + 24 * 60 * 60 * 1000);
    let overdue: Scrape | undefined;
    await waitFor(
      async () => {
        now = new Date(now.getTime() + 31_000);
        overdue = await scrapeOf("routing");
        return valueOf(overdue, "routing_dossiers_overdue", { province: THANH_HOA }) === 1;
      },
      { description: "the third dossier counted overdue" },
    );
    if (!overdue) throw new Error("no scrape");
    expect(valueOf(overdue, "routing_dossiers_overdue", { province: THANH_HOA })).toBe(1);
    expect(valueOf(overdue, "routing_dossiers_due_soon", { province: THANH_HOA })).toBe(0);
    expect(valueOf(overdue, "routing_on_time_ratio", { province: THANH_HOA })).toBeCloseTo(2 / 3);
  });

  it("follows Prometheus' naming and labels only closed sets, never an id or a person", async () => {
    const scrapes = await scrapeAll();
    const allowedLabels = new Set([
      // prom-client's own process and runtime metrics.
      "version",
      "major",
      "minor",
      "patch",
      "kind",
      "type",
      "space",
      "le",
      // Ours.
      "service",
      "group",
      "topic",
      "partition",
      "outcome",
      "channel",
      // notification's providers: smtp, sms, zns, webhook.
      "provider",
      "state",
      "status",
      "province",
      "timeliness",
      "step",
      "method",
      "route",
      "status_code",
      "code",
    ]);
    for (const scraped of Object.values(scrapes)) {
      for (const [family, type] of scraped.families) {
        // prom-client's process and runtime metrics are named by prom-client (nodejs_active_resources_total is a gauge).
        if (/^(nodejs|process)_/.test(family)) continue;
        if (type === "counter") expect(family).toMatch(/_total$/);
        else expect(family).not.toMatch(/_total$/);
        // Base units: seconds and bytes, never milliseconds.
        expect(family).not.toMatch(/_(ms|milliseconds|minutes|hours)(_|$)/);
      }
      for (const sample of scraped.samples) {
        for (const [label, value] of Object.entries(sample.labels)) {
          expect([sample.name, label, allowedLabels.has(label)]).toEqual([sample.name, label, true]);
          // No dossier code, UUID or commune code (5 digits) in a value.
          expect([sample.name, value]).not.toEqual([
            sample.name,
            expect.stringMatching(/\d{5}-\d{6}-\d{4}|[0-9a-f]{8}-[0-9a-f]{4}-|^\d{5}$/),
          ]);
        }
      }
    }
  });

  it("has every metric the alert rules and the dashboards name", async () => {
    const families = new Set(Object.values(await scrapeAll()).flatMap((scraped) => [...scraped.families.keys()]));
    const named = new Set([...metricNamesOfRules(), ...metricNamesOfDashboards()]);
    expect(named.size).toBeGreaterThan(10);
    // `up` is Prometheus' own, written for each scrape target.
    const missing = [...named].filter((name) => name !== "up" && !families.has(name));
    expect(missing).toEqual([]);
  });
});

describe("metric names in alert rules and dashboards", () => {
  it("are read from expressions without labels, ranges, functions or keywords", () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.95, sum by (group, le) (rate(a_seconds_bucket{group=~"$g"}[$__rate_interval]))) > on (group) b offset 1h or up{job="x"} == 0',
      ).sort(),
    ).toEqual(["a_seconds", "b", "up"]);
    expect(metricNamesOfRules()).toContain("messaging_dead_letters_total");
    expect(metricNamesOfDashboards()).toContain("routing_on_time_ratio");
  });
});
