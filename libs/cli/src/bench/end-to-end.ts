import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { acceptAndApprove } from "../demo";
import type { DemoCredentials } from "../dev-credentials";
import type { PlatformUrls } from "../platform-urls";
import { benchApplicationBody, endToEndReceivingUnits } from "./applications";
import { distribution, type EndToEndFigures } from "./report";
import type { ResultMailbox } from "./result-mailbox";

/** The platform under test and where the bench watches it: its APIs, the callers' credentials, the applicants' mail server. */
export interface EndToEndTarget {
  urls: PlatformUrls;
  /** The portal's key and the sample officials' tokens. */
  credentials: DemoCredentials;
  /** The platform's SMTP_URL points here. */
  mailbox: ResultMailbox;
}

export interface EndToEndOptions extends EndToEndTarget {
  ratePerSecond: number;
  durationSeconds: number;
  /** Per dossier: a dossier not notified this long after its submission counts as stopped short. */
  timeoutSeconds: number;
  /** How often the routing lookup is repeated until routing has the dossier. */
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

class StoppedShort extends Error {}

/**
 * One request of the bench's own. undici's request rather than fetch: the bench shares the machine with the
 * platform it measures, and fetch costs four times the CPU (docs/decisions.md §73).
 */
async function call(
  url: string,
  init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: unknown }> {
  const response = await request(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? (JSON.parse(text) as unknown) : undefined };
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
 * has assigned it, approve it, wait until the applicant's result email reaches
 * the mail server. Never rejects: where it stopped is part of the outcome.
 */
export async function followDossier(
  { urls, credentials, mailbox }: EndToEndTarget,
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
      headers: { "content-type": "application/json", ...credentials.client },
      body: benchApplicationBody(sequence, endToEndReceivingUnits),
    });
    if (submitted.status !== 201) throw new StoppedShort(`submit (HTTP ${submitted.status})`);
    const { dossierCode: code, receivingUnitCode } = (
      submitted.body as { application: { dossierCode: string; receivingUnitCode: string } }
    ).application;

    step = "routing";
    await pollUntil(step, deadline, pollIntervalMs, async () => {
      const answer = await call(`${urls.routing}/v1/dossiers/${code}`, { method: "GET", headers: credentials.client });
      // 404 until routing has consumed the submitted event.
      if (answer.status === 404) return false;
      if (answer.status !== 200) throw new StoppedShort(`routing lookup (HTTP ${answer.status})`);
      return true;
    });
    journey.routedSeconds = elapsed();

    step = "accept and decide";
    await acceptAndApprove(urls.routing, code, credentials.officialsOf(receivingUnitCode));

    step = "result email";
    const arrivedAt = await mailbox.resultMailOf(code, deadline);
    if (arrivedAt === undefined) throw new StoppedShort(`${step} (timed out)`);
    journey.notifiedSeconds = (arrivedAt - submittedAt) / 1000;
  } catch (error) {
    journey.stoppedAt =
      error instanceof StoppedShort ? error.message : `${step} (${error instanceof Error ? error.name : "error"})`;
  }
  return journey;
}

/**
 * Dossiers followed `inFlight` at a time, each follower starting the next
 * once its own is notified: a closed loop, which a slow platform slows down
 * instead of leaving behind. Resolves with where the first dossier that
 * stopped short stopped, if one did (and then starts no more).
 */
export async function followInTurn(
  target: EndToEndTarget,
  options: { dossiers: number; inFlight: number; timeoutSeconds: number; pollIntervalMs: number },
): Promise<string | undefined> {
  let next = 0;
  let stoppedAt: string | undefined;
  const follower = async () => {
    while (next < options.dossiers && stoppedAt === undefined) {
      const journey = await followDossier(target, next++, options.timeoutSeconds, options.pollIntervalMs);
      stoppedAt ??= journey.stoppedAt;
    }
  };
  // A follower with no dossier left to take ends at once.
  await Promise.all(Array.from({ length: options.inFlight }, follower));
  return stoppedAt;
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
      followDossier(options, sequence, options.timeoutSeconds, options.pollIntervalMs).finally(() =>
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
