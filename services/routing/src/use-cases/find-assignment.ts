import { allowedActions } from "@lienthong/domain";
import type { Caller } from "@lienthong/service-host";
import type { Versioned } from "@lienthong/storage";
import type { AssignmentRecord } from "../store/collections";
import { awaitingSupplement, clockOf, deadlineStateOf } from "./deadline-clock";
import type { RoutingPorts } from "./ports";
import { readableDossier } from "./tenancy";

/** One assignment by dossier id or dossier code, with its version, when the caller is one of its tenants. */
export function getAssignment(
  ports: RoutingPorts,
  caller: Caller,
  dossierRef: string,
): Promise<Versioned<AssignmentRecord>> {
  return readableDossier(ports, caller, dossierRef);
}

/** What officials and commune systems see (the Assignment message): no personal data. */
export function assignmentView(ports: RoutingPorts, { data, version }: Versioned<AssignmentRecord>) {
  const waiting = awaitingSupplement(data);
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
    // The appointment given at acceptance, kept when an apology moves it (decision 59).
    originalAppointmentAt: data.originalAppointmentAt ?? undefined,
    outcome: data.decision?.outcome ?? 0,
    timeliness: data.timeliness,
    allowedActions: allowedActions(data.state, ports.practice),
    clock: clockOf(data),
    deadlineState: deadlineStateOf(ports, data, ports.now()),
    apologies: data.apologies,
    // The appointment passed and the authority issued no apology before it: the flag its queue shows.
    overdueWithoutApology: data.overdue && data.apologies === 0 && data.finishedAt === null,
    // While the applicant's supplement is awaited: the date it is due by, and whether it passed (the flag the
    // queue of the unit that asked shows; that unit decides, the platform refuses nothing).
    supplementDueAt: (waiting && data.supplementDueAt) || undefined,
    supplementOverdue: waiting && !!data.supplementDueAt && data.supplementOverdueFiredFor === data.supplementDueAt,
    version,
  };
}
