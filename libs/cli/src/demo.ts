import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { EventTypes, eventNameOf, events } from "@lienthong/contracts";
import { statusLabel, type DossierStatus } from "@lienthong/domain";
import { TEMPLATED_EVENT_NAMES } from "@lienthong/notification";
import { distribution } from "./bench/report";
import type { CommuneOfficials, DemoCredentials } from "./dev-credentials";
import type { PlatformUrls } from "./platform-urls";

export interface DemoOptions {
  urls: PlatformUrls;
  credentials: DemoCredentials;
  outDir: string;
  timeoutMs: number;
  /** Progress lines for people; the JSON result is printed separately. */
  log: (line: string) => void;
  /**
   * How many applications to take through, one after another (default 1): the
   * first is reported in full; all count towards the deliveries and the hop latencies.
   */
  dossiers?: number;
}

/** A realistic marriage registration at the Mường Lát commune centre (synthetic applicant). */
export function demoApplication() {
  return {
    procedureCode: "1.000894",
    receivingUnitCode: "14845",
    applicantCommuneCode: "14845",
    channel: "online",
    applicant: {
      fullName: "Lò Thị Hoa",
      citizenId: "038190012345",
      phone: "0912345678",
      email: "lo.thi.hoa@example.vn",
      address: "Bản Na Khà, xã Mường Lát, tỉnh Thanh Hoá",
    },
    // The marriage registration form of the catalog (validated by intake).
    formFields: {
      applicantFullName: "Lò Thị Hoa",
      applicantCitizenId: "038190012345",
      applicantPhone: "0912345678",
      husbandFullName: "Hà Văn Minh",
      husbandCitizenId: "038189054321",
      wifeFullName: "Lò Thị Hoa",
      wifeCitizenId: "038190012345",
    },
  };
}

/** An official's action on a dossier through routing's REST API, the official proven by the token in `headers`. */
function officialAction(
  routingUrl: string,
  dossierCode: string,
  action: "accept" | "decide",
  headers: Record<string, string>,
  body: Record<string, unknown> = {},
): Promise<Response> {
  return fetch(`${routingUrl}/v1/dossiers/${dossierCode}/actions/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** The receiving officer's intake check (1 → 2 → 4), then the leader's approval at the competent commune. */
export async function acceptAndApprove(
  routingUrl: string,
  dossierCode: string,
  officials: CommuneOfficials,
  summary = "Đủ điều kiện theo quy định.",
): Promise<void> {
  await expectOk(await officialAction(routingUrl, dossierCode, "accept", officials.receivingOfficer), "accept");
  await expectOk(
    await officialAction(routingUrl, dossierCode, "decide", officials.leader, { outcome: "approved", summary }),
    "decide",
  );
}

/** A delivery as notification lists it over REST. */
export interface Delivery {
  notificationId: string;
  channel: number;
  recipientKind: number;
  triggerType: string;
  stateName: string;
  attempts: number;
  deliveredAt?: string;
}

/** An entry of intake's timeline as its REST API shows it. */
export interface TimelineEntry {
  status: number;
  eventType: string;
  occurredAt: string;
  eventId: string;
}

interface Application {
  status: number;
  resultDocumentPath: string;
  appointmentAt: string;
  timeline: TimelineEntry[];
}

/** The contracts' DeliveryChannel numbers, named as the report prints them. */
const CHANNEL_NAMES: Readonly<Record<number, string>> = {
  [events.DeliveryChannel.DELIVERY_CHANNEL_EMAIL]: "email",
  [events.DeliveryChannel.DELIVERY_CHANNEL_SMS]: "sms",
  [events.DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK]: "webhook",
  [events.DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS]: "zns",
};
const channelName = (channel: number) => CHANNEL_NAMES[channel] ?? String(channel);

/**
 * The events the applicant is mailed about: notification's own list of templated events (one template per event and
 * language), so the demo and the distributed checker expect exactly the mails notification plans.
 */
const APPLICANT_MAIL_TRIGGERS: readonly string[] = TEMPLATED_EVENT_NAMES.map((name) => EventTypes[name].type);
const OUTCOME_TYPES: readonly string[] = [EventTypes.notificationDelivered.type, EventTypes.notificationFailed.type];

/**
 * What notification owes for a dossier's timeline, as it plans it: a webhook
 * to the commune system for every event that moved the status (the timeline
 * entry carries it), a mail to the applicant for the events in the mail
 * templates. "channel trigger" strings, e.g. "webhook gov.lienthong.application.accepted.v1".
 */
export function expectedDeliveries(timeline: readonly Pick<TimelineEntry, "status" | "eventType">[]): string[] {
  return timeline
    .filter((entry) => !OUTCOME_TYPES.includes(entry.eventType))
    .flatMap((entry) => [
      ...(entry.status > 0 ? [`webhook ${entry.eventType}`] : []),
      ...(APPLICANT_MAIL_TRIGGERS.includes(entry.eventType) ? [`email ${entry.eventType}`] : []),
    ]);
}

/** Expected deliveries not (yet) delivered, by "channel trigger". */
function missingDeliveries(
  timeline: readonly Pick<TimelineEntry, "status" | "eventType">[],
  deliveries: readonly Delivery[],
): string[] {
  const delivered = new Set(
    deliveries.filter((d) => d.stateName === "delivered").map((d) => `${channelName(d.channel)} ${d.triggerType}`),
  );
  return expectedDeliveries(timeline).filter((expected) => !delivered.has(expected));
}

/**
 * One step of a dossier's journey, from one event to the next, timed by the
 * events' own timestamps (each stamped by its producer). `via` says what lies
 * between: another service (the bus and that service's work), the same
 * service's transaction, or an official's action (which the demo takes as
 * soon as the workflow offers it).
 */
interface JourneyHop {
  from: string;
  to: string;
  via: "another service" | "same transaction" | "official";
}

const JOURNEY: readonly JourneyHop[] = [
  { from: EventTypes.applicationSubmitted.type, to: EventTypes.applicationAccepted.type, via: "official" },
  { from: EventTypes.applicationAccepted.type, to: EventTypes.dossierRouted.type, via: "same transaction" },
  { from: EventTypes.dossierRouted.type, to: EventTypes.dossierDecided.type, via: "official" },
  { from: EventTypes.dossierDecided.type, to: EventTypes.signatureRequested.type, via: "same transaction" },
  { from: EventTypes.signatureRequested.type, to: EventTypes.documentSigned.type, via: "another service" },
  { from: EventTypes.documentSigned.type, to: EventTypes.resultIssued.type, via: "another service" },
];

/** p50/p95/max of one hop's samples (nearest rank); "bus" hops are the transport alone, event time to handler start. */
export interface HopLatency {
  hop: string;
  via: JourneyHop["via"] | "bus" | "delivery";
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** A consumer's span as the ops API lists it (the fields read here). */
export interface ConsumerSpan {
  name: string;
  startTime: string;
  attributes: Record<string, unknown>;
}

/** "applicationAccepted" for "gov.lienthong.application.accepted.v1". */
const nameOf = (type: string) => eventNameOf(type) ?? type;

function figures(hop: string, via: HopLatency["via"], values: readonly number[]): HopLatency {
  const { count, p50, p95, max } = distribution(values)!;
  return { hop, via, samples: count, p50Ms: p50, p95Ms: p95, maxMs: max };
}

/**
 * Per-hop latency over the dossiers, from timestamps the platform records:
 * - the journey, event to next event (timeline);
 * - the bus, per consumer group: the event's time to the start of the span
 *   that handled it there (publish, relay, fetch, dispatch — Kafka's share);
 * - delivery, per channel: the trigger's time to the delivery's.
 * And `busHops`: every bus sample together, the figure Kafka mode is judged by.
 */
export function hopLatencies(
  dossiers: readonly {
    timeline: readonly TimelineEntry[];
    deliveries: readonly Pick<Delivery, "channel" | "triggerType" | "deliveredAt">[];
    spans: readonly ConsumerSpan[];
  }[],
): { hops: HopLatency[]; busHops: HopLatency | undefined } {
  const samples = new Map<string, { via: HopLatency["via"]; values: number[] }>();
  const add = (hop: string, via: HopLatency["via"], ms: number) => {
    const entry = samples.get(hop) ?? { via, values: [] };
    entry.values.push(ms);
    samples.set(hop, entry);
  };
  for (const { timeline, deliveries, spans } of dossiers) {
    const timeOfType = new Map<string, number>();
    const timeOfEvent = new Map<string, number>();
    for (const entry of timeline) {
      if (!timeOfType.has(entry.eventType)) timeOfType.set(entry.eventType, Date.parse(entry.occurredAt));
      timeOfEvent.set(entry.eventId, Date.parse(entry.occurredAt));
    }
    for (const { from, to, via } of JOURNEY) {
      const [start, end] = [timeOfType.get(from), timeOfType.get(to)];
      if (start !== undefined && end !== undefined) add(`${nameOf(from)} → ${nameOf(to)}`, via, end - start);
    }
    // The first handling of each event by each group (a redelivery after a crash is not the bus's latency).
    const firstHandled = new Map<string, { group: string; eventId: string; start: number }>();
    for (const span of spans) {
      const group = span.attributes["messaging.consumer.group.name"];
      const eventId = span.attributes["messaging.message.id"];
      if (typeof group !== "string" || typeof eventId !== "string" || !span.name.endsWith(" process")) continue;
      const start = Date.parse(span.startTime);
      const key = `${group} ${eventId}`;
      if ((firstHandled.get(key)?.start ?? Infinity) > start) firstHandled.set(key, { group, eventId, start });
    }
    for (const { group, eventId, start } of firstHandled.values()) {
      const published = timeOfEvent.get(eventId);
      if (published !== undefined) add(`bus → ${group}`, "bus", start - published);
    }
    for (const delivery of deliveries) {
      const start = timeOfType.get(delivery.triggerType);
      if (start === undefined || !delivery.deliveredAt) continue;
      add(`event → ${channelName(delivery.channel)} delivered`, "delivery", Date.parse(delivery.deliveredAt) - start);
    }
  }
  const bus = [...samples.values()].flatMap(({ via, values }) => (via === "bus" ? values : []));
  return {
    hops: [...samples].map(([hop, { via, values }]) => figures(hop, via, values)),
    busHops: bus.length > 0 ? figures("every bus hop", "bus", bus) : undefined,
  };
}

/** The hop figures as aligned lines for people. */
export function formatHops(hops: readonly HopLatency[]): string[] {
  const width = Math.max(...hops.map((hop) => hop.hop.length));
  return hops.map(
    (hop) =>
      `${hop.hop.padEnd(width)}  ${hop.via.padEnd(16)}  n=${String(hop.samples).padStart(3)}  p50 ${String(hop.p50Ms).padStart(5)} ms  p95 ${String(hop.p95Ms).padStart(5)} ms`,
  );
}

interface FollowedDossier {
  dossierId: string;
  dossierCode: string;
  traceId: string;
  application: Application;
  deliveries: Delivery[];
}

/**
 * Submits an application, has the competent official approve it, waits until
 * the signed result is issued and both the applicant and the commune system
 * were notified, and reports what happened — one dossier, one trace.
 */
export async function runDemo(options: DemoOptions) {
  const { urls, log, credentials } = options;
  const deadline = Date.now() + options.timeoutMs;
  await Promise.all(
    Object.values(urls).map((url) =>
      waitUntil(deadline, `${url} ready`, async () => (await fetch(`${url}/readyz`)).ok),
    ),
  );

  const count = options.dossiers ?? 1;
  // One after another: hop latency is what one dossier waits, not a queue the demo made itself.
  const followed: FollowedDossier[] = [];
  for (let index = 0; index < count; index += 1) {
    followed.push(await followDossier(options, deadline, index === 0 ? log : () => undefined));
  }
  const { dossierId, dossierCode, traceId, application, deliveries } = followed[0]!;
  if (count > 1) log(`${count} dossiers reached their result with every delivery`);

  const download = await fetch(`${urls.signature}${application.resultDocumentPath}`, { headers: credentials.client });
  const pdf = Buffer.from(await download.arrayBuffer());
  await mkdir(options.outDir, { recursive: true });
  const signedPdf = path.resolve(options.outDir, `${dossierCode}.pdf`);
  await writeFile(signedPdf, pdf);
  const verification = (await (
    await fetch(`${urls.signature}/v1/documents/verify`, {
      method: "POST",
      headers: { "content-type": "application/pdf", ...credentials.client },
      body: pdf,
    })
  ).json()) as { valid: boolean; signerSubject: string; reportVi: string };
  log(`signed result saved to ${signedPdf}`);

  const spansOf = await Promise.all(followed.map((one) => traceSpans(urls, credentials, one.traceId)));
  const { hops, busHops } = hopLatencies(
    followed.map((one, index) => ({
      timeline: one.application.timeline,
      deliveries: one.deliveries,
      spans: spansOf[index]!,
    })),
  );
  log(`per-hop latency over ${count} dossier(s), from the events' timestamps:`);
  for (const line of formatHops(busHops ? [...hops, busHops] : hops)) log(`  ${line}`);

  return {
    dossierId,
    dossierCode,
    traceId,
    finalStatus: application.status,
    finalStatusLabel: statusLabel(application.status as DossierStatus),
    appointmentAt: application.appointmentAt,
    signedPdf,
    signature: verification,
    notifications: deliveries.map((d) => ({
      notificationId: d.notificationId,
      channel: channelName(d.channel),
      recipient: d.recipientKind === 1 ? "applicant" : "commune-system",
      trigger: d.triggerType,
      state: d.stateName,
      attempts: d.attempts,
      deliveredAt: d.deliveredAt,
    })),
    timeline: application.timeline.map((entry) => ({ status: entry.status, eventType: entry.eventType })),
    traceSpans: spansOf[0]!.length,
    /** Every dossier's deliveries: what its timeline called for, and how many of those were delivered. */
    deliveries: {
      dossiers: count,
      expected: followed.reduce((sum, one) => sum + expectedDeliveries(one.application.timeline).length, 0),
      delivered: followed.reduce(
        (sum, one) =>
          sum +
          expectedDeliveries(one.application.timeline).length -
          missingDeliveries(one.application.timeline, one.deliveries).length,
        0,
      ),
    },
    hops,
    busHops,
  };
}

/** Every span of a trace, from each service's operations API (a span stored by two of them counted once). */
export async function traceSpans(
  urls: PlatformUrls,
  credentials: DemoCredentials,
  traceId: string,
): Promise<(ConsumerSpan & { spanId: string })[]> {
  const spans = await Promise.all(
    (Object.keys(urls) as (keyof PlatformUrls)[]).map(async (service) => {
      const response = await fetch(`${urls[service]}/ops/traces/${traceId}`, { headers: credentials.operator });
      return ((await response.json()) as { spans: (ConsumerSpan & { spanId: string })[] }).spans;
    }),
  );
  return [...new Map(spans.flat().map((span) => [span.spanId, span])).values()];
}

/** One application from submission to its signed result, every delivery it called for delivered and recorded. */
async function followDossier(
  options: DemoOptions,
  deadline: number,
  log: (line: string) => void,
): Promise<FollowedDossier> {
  const { urls, credentials } = options;
  const submitted = await fetch(`${urls.intake}/v1/applications`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": randomUUID(), ...credentials.client },
    body: JSON.stringify(demoApplication()),
  });
  const submission = (await expectOk(submitted, "submit")) as {
    application: { dossierId: string; dossierCode: string };
  };
  const { dossierId, dossierCode } = submission.application;
  const traceId = submitted.headers.get("x-trace-id") ?? "";
  log(`submitted ${dossierCode} (trace ${traceId})`);

  // Polled briskly: the official acts as soon as routing has the dossier, so the hop figures show the platform.
  await waitUntil(
    deadline,
    "dossier registered at routing",
    async () => (await fetch(`${urls.routing}/v1/dossiers/${dossierCode}`, { headers: credentials.client })).ok,
    20,
  );
  log("the receiving unit accepts it; the competent official approves");
  await acceptAndApprove(
    urls.routing,
    dossierCode,
    credentials.officialsOf(demoApplication().receivingUnitCode),
    "Đủ điều kiện đăng ký kết hôn theo quy định.",
  );

  let application: Application = { status: 0, resultDocumentPath: "", appointmentAt: "", timeline: [] };
  let deliveries: Delivery[] = [];
  await waitUntil(
    deadline,
    () =>
      `${dossierCode}: status 9 with every delivery its timeline calls for delivered and recorded (status ${application.status}; missing: ${missingDeliveries(application.timeline, deliveries).join(", ") || "none"})`,
    async () => {
      const answer = await fetch(`${urls.intake}/v1/applications/${dossierCode}`, { headers: credentials.client });
      application = ((await answer.json()) as { application: Application }).application;
      const listing = await fetch(`${urls.notification}/v1/dossiers/${dossierCode}/deliveries`, {
        headers: credentials.client,
      });
      deliveries = ((await listing.json()) as { deliveries: Delivery[] }).deliveries;
      const recorded = application.timeline.filter(
        (entry) => entry.eventType === EventTypes.notificationDelivered.type,
      ).length;
      return (
        application.status === 9 &&
        missingDeliveries(application.timeline, deliveries).length === 0 &&
        recorded >= deliveries.filter((d) => d.stateName === "delivered").length
      );
    },
  );
  log(`${dossierCode}: result issued; ${deliveries.length} deliveries made (every one its timeline called for)`);
  return { dossierId, dossierCode, traceId, application, deliveries };
}

async function expectOk(response: Response, step: string): Promise<unknown> {
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${step} failed with HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

async function waitUntil(
  deadline: number,
  what: string | (() => string),
  check: () => Promise<boolean>,
  intervalMs = 100,
): Promise<void> {
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not reachable yet: keep waiting until the deadline.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${typeof what === "string" ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
