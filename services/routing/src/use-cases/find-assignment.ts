import { allowedActions } from "@lienthong/domain";
import { notFound } from "@lienthong/errors";
import { findDossier } from "@lienthong/service-host";
import type { Versioned } from "@lienthong/storage";
import { assignments, type AssignmentRecord } from "../store/collections";
import { clockOf, deadlineStateOf } from "./deadline-clock";
import type { RoutingPorts } from "./ports";

/** One assignment by dossier id or dossier code, with its version for optimistic concurrency. */
export async function getAssignment(ports: RoutingPorts, dossierRef: string): Promise<Versioned<AssignmentRecord>> {
  const found = await findDossier(ports.store, assignments, dossierRef);
  if (!found) throw notFound("dossier", dossierRef);
  return found;
}

/** What officials and commune systems see (the Assignment message): no personal data. */
export function assignmentView(ports: RoutingPorts, { data, version }: Versioned<AssignmentRecord>) {
  return {
    dossierId: data.dossierId,
    dossierCode: data.dossierCode,
    status: data.status,
    procedureCode: data.procedureCode,
    procedureName: data.procedureName,
    procedureVersion: data.procedureVersion,
    receivingUnitCode: data.receivingUnitCode,
    competentAuthority: data.competentAuthority ?? undefined,
    acceptedAt: data.acceptedAt ?? undefined,
    appointmentAt: data.appointmentAt ?? undefined,
    outcome: data.decision?.outcome ?? 0,
    timeliness: data.timeliness,
    allowedActions: allowedActions(data.state),
    clock: clockOf(data.status),
    deadlineState: deadlineStateOf(ports, data, ports.now()),
    version,
  };
}
