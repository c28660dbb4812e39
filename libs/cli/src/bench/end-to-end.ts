import { performance } from "node:perf_hooks";
import { API_KEY_HEADER, DEVELOPMENT_API_KEYS } from "@lienthong/intake";
import { setTimeout as sleep } from "node:timers/promises";
import { EventTypes, events } from "@lienthong/contracts";
import { acceptAndApprove } from "../demo";
import type { PlatformUrls } from "../platform-urls";
import { benchApplicationBody } from "./applications";
import { distribution, type EndToEndFigures } from "./report";

export interface EndToEndOptions {
  urls: PlatformUrls;
  ratePerSecond: number;
  durationSeconds: number;
  /** Per dossier: a dossier not notified this long after its submission counts as stopped short. */
  timeoutSeconds: number;
  pollIntervalMs: number;
  onSettled?: (settled: number, planned: number) => void;
}

/** How far one dossier got, in seconds from its submission. */
export interface Journey {
  routedSeconds?: number;
  notifiedSeconds?: number;
  /** The step where it stopped, e.g. "decide (HTTP 409)"; absent when the result email was delivered. */
  stoppedAt?: string;
}

/** No single request may hang the benchmark. */
const REQUEST_TIMEOUT_MS = 10_000;

interface Delivery {
  channel: events.DeliveryChannel;
  recipientKind: events.RecipientKind;
  triggerType: string;
  stateName: string;
}

const isResultEmailToApplicant = (delivery: Delivery) =>
  delivery.triggerType === EventTypes.resultIssued.type &&
  delivery.channel === events.DeliveryChannel.DELIVERY_CHANNEL_EMAIL &&
  delivery.recipientKind === events.RecipientKind.RECIPIENT_KIND_APPLICANT &&
  delivery.stateName === "delivered";

class StoppedShort extends Error {}

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Polls until `reached` answers true or the dossier's deadline passes. */
async function pollUntil(
  step: string,
  deadline: number,
  intervalMs: number,
  reached: () => Promise<boolean>,
): Promise<void> {
  for (;;) {
    if (await reached()) return;
    if (performance.now() + intervalMs > deadline) throw new StoppedShort(`${step} (timed out)`);
    await sleep(intervalMs);
  }
}

/**
 * One dossier as an official and a citizen live it: submit, wait until routing
 * has assigned it, approve it, wait until the applicant's result email is
 * delivered. Never rejects: where it stopped is part of the outcome.
 */
export async function followDossier(
  urls: PlatformUrls,
  sequence: number,
  timeoutSeconds: number,
  pollIntervalMs: number,
): Promise<Journey> {
  const submittedAt = performance.now();
  const deadline = submittedAt + timeoutSeconds * 1000;
  const elapsed = () => (performance.now() - submittedAt) / 1000;
  const journey: Journey = {};
  let step = "submit";
  try {
    const submitted = await call(`${urls.intake}/v1/applications`, {
      method: "POST",
      headers: { "content-type": "application/json", [API_KEY_HEADER]: DEVELOPMENT_API_KEYS.portal },
      body: benchApplicationBody(sequence),
    });
    if (submitted.status !== 201) throw new StoppedShort(`submit (HTTP ${submitted.status})`);
    const code = (submitted.body as { application: { dossierCode: string } }).application.dossierCode;

    step = "routing";
    await pollUntil(step, deadline, pollIntervalMs, async () => {
      const answer = await call(`${urls.routing}/v1/dossiers/${code}`);
      // 404 until routing has consumed the submitted event.
      if (answer.status === 404) return false;
      if (answer.status !== 200) throw new StoppedShort(`routing lookup (HTTP ${answer.status})`);
      return true;
    });
    journey.routedSeconds = elapsed();

    step = "accept and decide";
    await acceptAndApprove(urls.routing, code);

    step = "result email";
    await pollUntil(step, deadline, pollIntervalMs, async () => {
      const answer = await call(`${urls.notification}/v1/dossiers/${code}/deliveries`);
      if (answer.status !== 200) return false;
      return (answer.body as { deliveries: Delivery[] }).deliveries.some(isResultEmailToApplicant);
    });
    journey.notifiedSeconds = elapsed();
  } catch (error) {
    journey.stoppedAt =
      error instanceof StoppedShort ? error.message : `${step} (${error instanceof Error ? error.name : "error"})`;
  }
  return journey;
}

/** Outcomes → figures; pure, so the counting is tested apart from the network. */
export function endToEndFigures(
  journeys: readonly Journey[],
  options: { ratePerSecond: number; planned: number; wallSeconds: number },
): EndToEndFigures {
  const routed = journeys.flatMap((journey) => (journey.routedSeconds === undefined ? [] : [journey.routedSeconds]));
  const notified = journeys.flatMap((journey) =>
    journey.notifiedSeconds === undefined ? [] : [journey.notifiedSeconds],
  );
  const failures: Record<string, number> = {};
  for (const journey of journeys) {
    if (journey.stoppedAt) failures[journey.stoppedAt] = (failures[journey.stoppedAt] ?? 0) + 1;
  }
  return {
    ratePerSecond: options.ratePerSecond,
    planned: options.planned,
    submitted: journeys.filter((journey) => !journey.stoppedAt?.startsWith("submit")).length,
    routed: routed.length,
    completed: notified.length,
    failures,
    submitToRoutedSeconds: distribution(routed),
    submitToNotifiedSeconds: distribution(notified),
    wallSeconds: options.wallSeconds,
  };
}

/**
 * Submits dossiers at a steady rate (an open model: the next submission does
 * not wait for earlier ones) and follows each to its result email.
 */
export async function runEndToEnd(options: EndToEndOptions): Promise<EndToEndFigures> {
  const planned = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds));
  const started = performance.now();
  const journeys: Promise<Journey>[] = [];
  let settled = 0;
  for (let sequence = 0; sequence < planned; sequence++) {
    const wait = started + (sequence * 1000) / options.ratePerSecond - performance.now();
    if (wait > 0) await sleep(wait);
    journeys.push(
      followDossier(options.urls, sequence, options.timeoutSeconds, options.pollIntervalMs).finally(() =>
        options.onSettled?.(++settled, planned),
      ),
    );
  }
  const outcomes = await Promise.all(journeys);
  return endToEndFigures(outcomes, {
    ratePerSecond: options.ratePerSecond,
    planned,
    wallSeconds: (performance.now() - started) / 1000,
  });
}
