import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { demoApplication } from "../../src/demo";
import type { DemoCredentials } from "../../src/dev-credentials";
import type { ServiceName } from "./kafka-platform";

/** Where a service answers now: the platform's processes come and go, so callers ask before every attempt. */
export type UrlOf = (service: ServiceName) => string;

/** A failure that no retry will cure (a refused body, a wrong credential): the test is wrong, stop at once. */
export class PermanentFailure extends Error {
  override readonly name = "PermanentFailure";
}

/** The answers a platform gives while a process is down, restarting or catching up: ask again. */
function worthRetrying(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * Calls `attempt` until it returns a value, as a commune system keeps trying
 * while a service restarts: a thrown error (a refused connection, no process
 * running) or `undefined` means "try again"; a PermanentFailure ends it.
 */
export async function persist<T>(
  what: string,
  deadline: number,
  attempt: () => Promise<T | undefined>,
  intervalMs = 200,
): Promise<T> {
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
      last = undefined;
    } catch (error) {
      if (error instanceof PermanentFailure) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? ` (last error: ${last.message})` : "";
      throw new Error(`gave up on ${what}${reason}`);
    }
    await sleep(intervalMs);
  }
}

/** The JSON body of a 2xx answer; undefined for an answer worth retrying; PermanentFailure otherwise. */
async function bodyOf<T>(response: Response, what: string, alsoRetry: readonly number[] = []): Promise<T | undefined> {
  if (response.ok) return (await response.json()) as T;
  if (worthRetrying(response.status) || alsoRetry.includes(response.status)) return undefined;
  throw new PermanentFailure(`${what}: HTTP ${response.status} ${await response.text()}`);
}

export interface SubmittedDossier {
  dossierId: string;
  dossierCode: string;
  /** The trace the submission started (x-trace-id of the first answer that carried one). */
  traceId: string;
  /** The applicant's address: unique per dossier, so a mail tells which dossier it is about. */
  email: string;
}

/**
 * Submits the demo's marriage registration with its own applicant address,
 * under one idempotency key however often the call is repeated: a submission
 * acknowledged just before intake died is answered again (200), not doubled.
 */
export async function submitDossier(
  urlOf: UrlOf,
  credentials: DemoCredentials,
  email: string,
  deadline: number,
): Promise<SubmittedDossier> {
  const idempotencyKey = randomUUID();
  const application = demoApplication();
  const body = JSON.stringify({ ...application, applicant: { ...application.applicant, email } });
  return persist(`submitting for ${email}`, deadline, async () => {
    const response = await fetch(`${urlOf("intake")}/v1/applications`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": idempotencyKey, ...credentials.client },
      body,
    });
    const answer = await bodyOf<{ application: { dossierId: string; dossierCode: string } }>(response, "submit");
    if (!answer) return undefined;
    return { ...answer.application, traceId: response.headers.get("x-trace-id") ?? "", email };
  });
}

/** An assignment as routing shows it (the fields the drivers read). */
export interface Assignment {
  dossierId: string;
  dossierCode: string;
  status: number;
  outcome: number;
  allowedActions: string[];
  receivingUnitCode: string;
  competentAuthority?: { code: string } | null;
}

/** Routing's view of the dossier, once routing has registered it (404 until then). */
export function assignmentOf(
  urlOf: UrlOf,
  credentials: DemoCredentials,
  dossierCode: string,
  deadline: number,
): Promise<Assignment> {
  return persist(`routing's view of ${dossierCode}`, deadline, async () => {
    const response = await fetch(`${urlOf("routing")}/v1/dossiers/${dossierCode}`, { headers: credentials.client });
    return (await bodyOf<{ assignment: Assignment }>(response, `GET ${dossierCode}`, [404]))?.assignment;
  });
}

/**
 * The officials' part, as they would do it while services restart: the
 * receiving officer accepts, the competent authority's leader approves. Each
 * step reads the dossier first and acts only if the workflow still offers the
 * action, so an action whose answer was lost (the process died after its
 * commit) is not repeated; a 409 (someone's action got there first) is read
 * again. Resolves once the decision is recorded.
 */
export async function acceptAndApproveThroughFaults(
  urlOf: UrlOf,
  credentials: DemoCredentials,
  dossierCode: string,
  deadline: number,
): Promise<void> {
  const officials = credentials.officialsOf(demoApplication().receivingUnitCode);
  for (;;) {
    const assignment = await assignmentOf(urlOf, credentials, dossierCode, deadline);
    if (assignment.outcome !== 0 || assignment.status === 9) return;
    const action = ["accept", "decide"].find((candidate) => assignment.allowedActions.includes(candidate));
    if (!action) {
      throw new PermanentFailure(
        `${dossierCode} offers neither accept nor decide (status ${assignment.status}, allowed ${assignment.allowedActions.join(", ")})`,
      );
    }
    const body = action === "decide" ? { outcome: "approved", summary: "Đủ điều kiện theo quy định." } : {};
    await persist(`${action} ${dossierCode}`, deadline, async () => {
      const response = await fetch(`${urlOf("routing")}/v1/dossiers/${dossierCode}/actions/${action}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(action === "accept" ? officials.receivingOfficer : officials.leader),
        },
        body: JSON.stringify(body),
      });
      // 409: the workflow moved on (this action's lost answer, or another's): read the dossier again.
      if (response.status === 409) return "reread";
      return (await bodyOf<unknown>(response, `${action} ${dossierCode}`)) === undefined ? undefined : "done";
    });
  }
}
