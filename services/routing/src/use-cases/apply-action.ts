import type { DossierAction } from "@lienthong/domain";
import { conflict } from "@lienthong/errors";
import { callerIds } from "@lienthong/service-host";
import { ConflictError, type Versioned } from "@lienthong/storage";
import { assignments, type AssignmentRecord } from "../store/collections";
import { parseActionInput } from "./actions/action-request";
import { planAction } from "./actions/plan-action";
import { planWrites } from "./actions/plan-writes";
import { inDossierTrace } from "./dossier-trace";
import type { RoutingPorts } from "./ports";
import { dossierForAction, type ActingCaller } from "./tenancy";

/**
 * An official's action on a dossier (REST and gRPC). Refused with
 * PERMISSION_DENIED without a role the action needs, NOT_FOUND for a dossier
 * the official does not hold (tenancy.ts), FAILED_PRECONDITION when the
 * workflow forbids it, and CONFLICT when the dossier changed since the
 * official read it (expectedVersion), or kept changing while the action ran
 * (concurrent commits, see ACTION_REDOS): never a lost update. The dossier and its events record the
 * official's token subject, and the audit log the action, in one commit.
 */
export async function applyDossierAction(
  ports: RoutingPorts,
  caller: ActingCaller,
  dossierRef: string,
  action: DossierAction,
  input: unknown,
): Promise<Versioned<AssignmentRecord>> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await attemptAction(ports, caller, dossierRef, action, input);
    // Without an expectedVersion the official acts on the dossier as it is: a commit of the platform's own
    // (a deadline timer, an event of another service) that landed meanwhile is no reason to refuse, so the
    // action is planned again on the new state, and refused only if the workflow now forbids it.
    if ("changedSince" in outcome && !outcome.expectedVersionGiven && attempt < ACTION_REDOS) continue;
    if ("changedSince" in outcome) throw outcome.changedSince;
    return outcome;
  }
}

/** Re-plannings of an action whose commit lost a race with another write of the same dossier. */
const ACTION_REDOS = 5;

async function attemptAction(
  ports: RoutingPorts,
  caller: ActingCaller,
  dossierRef: string,
  action: DossierAction,
  input: unknown,
): Promise<Versioned<AssignmentRecord> | { changedSince: Error; expectedVersionGiven: boolean }> {
  const current = await dossierForAction(ports, caller, action, dossierRef);
  const request = { ...parseActionInput(action, input), action, officialId: caller.official.subject };
  const changedSince = (currentVersion: number) =>
    conflict(`Dossier ${current.data.dossierCode} changed since it was read; reload it and act again`, {
      expectedVersion: request.expectedVersion ?? current.version,
      currentVersion,
    });
  if (request.expectedVersion && request.expectedVersion !== current.version) throw changedSince(current.version);

  return inDossierTrace(current.data, `routing.${request.action}`, async () => {
    const plan = planAction(ports, current.data, request, ports.now());
    const recorded = ports.audit.done({
      action,
      outcome: "done",
      target: current.data.dossierId,
      ...callerIds(caller),
    });
    try {
      await ports.commit([...planWrites(current.version, plan), recorded]);
    } catch (error) {
      if (
        error instanceof ConflictError &&
        error.collection === assignments.name &&
        error.conflict.kind === "version"
      ) {
        return {
          changedSince: changedSince(error.conflict.actual ?? 0),
          expectedVersionGiven: request.expectedVersion !== undefined,
        };
      }
      throw error;
    }
    return { id: current.id, data: plan.data, version: current.version + 1 };
  });
}
