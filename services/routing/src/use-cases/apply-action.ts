import { ConflictError, type Versioned } from "@lienthong/storage";
import { conflict } from "@lienthong/errors";
import { assignments, type AssignmentRecord } from "../store/collections";
import type { DossierAction } from "@lienthong/domain";
import { parseActionRequest } from "./actions/action-request";
import { planAction } from "./actions/plan-action";
import { planWrites } from "./actions/plan-writes";
import { inDossierTrace } from "./dossier-trace";
import { getAssignment } from "./find-assignment";
import type { RoutingPorts } from "./ports";

/**
 * An official's action on a dossier (REST and gRPC). Refused with
 * FAILED_PRECONDITION when the workflow forbids it, and with CONFLICT
 * when the dossier changed since the official read it (expectedVersion) or
 * while the action ran (a concurrent commit): never a lost update.
 */
export async function applyDossierAction(
  ports: RoutingPorts,
  dossierRef: string,
  action: DossierAction,
  input: unknown,
): Promise<Versioned<AssignmentRecord>> {
  const request = parseActionRequest(action, input);
  const current = await getAssignment(ports, dossierRef);
  const changedSince = (currentVersion: number) =>
    conflict(`Dossier ${current.data.dossierCode} changed since it was read; reload it and act again`, {
      expectedVersion: request.expectedVersion ?? current.version,
      currentVersion,
    });
  if (request.expectedVersion && request.expectedVersion !== current.version) throw changedSince(current.version);

  return inDossierTrace(current.data, `routing.${request.action}`, async () => {
    const plan = planAction(ports, current.data, request, ports.now());
    try {
      await ports.commit(planWrites(current.version, plan));
    } catch (error) {
      if (
        error instanceof ConflictError &&
        error.collection === assignments.name &&
        error.conflict.kind === "version"
      ) {
        throw changedSince(error.conflict.actual ?? 0);
      }
      throw error;
    }
    return { id: current.id, data: plan.data, version: current.version + 1 };
  });
}
