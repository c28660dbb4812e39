import type { events } from "@lienthong/contracts";
import { DossierStatus, afterOutcome } from "@lienthong/domain";
import { isPlatformError } from "@lienthong/errors";
import type { Versioned, WriteOp } from "@lienthong/storage";
import { assignments, type AssignmentRecord } from "../store/collections";
import type { ActionRequest } from "./actions/action-request";
import { planAction } from "./actions/plan-action";
import { planWrites } from "./actions/plan-writes";
import { routingEvent } from "./actions/routing-event";
import { settle } from "./deadline-clock";
import type { RoutingPorts } from "./ports";

/**
 * An applicant's request relayed by intake becomes the matching action when
 * the status machine allows it now; otherwise it is moot (a supplement after
 * the dossier moved on, a withdrawal after the decision) and is dropped.
 */
async function applicantAction(
  ports: RoutingPorts,
  dossierId: string,
  request: ActionRequest,
  appliesTo: (data: AssignmentRecord) => boolean = () => true,
): Promise<WriteOp[]> {
  const stored = await ports.store.get(assignments, dossierId);
  if (!stored || !appliesTo(stored.data)) return [];
  try {
    return planWrites(stored.version, planAction(ports, stored.data, request, ports.now()));
  } catch (error) {
    if (isPlatformError(error) && error.code === "FAILED_PRECONDITION") return [];
    throw error;
  }
}

/**
 * The applicant provided every missing item: processing resumes (5 → 4), the appointment pushed by the wait;
 * or, for a supplement asked before acceptance, the dossier is back at the intake check (5 → 1), no clock
 * having run.
 */
export async function resumeAfterSupplement(
  ports: RoutingPorts,
  provided: events.SupplementProvided,
): Promise<WriteOp[]> {
  const stored = await ports.store.get(assignments, provided.dossierId);
  if (stored?.data.state === "supplement_before_acceptance") return backToIntakeCheck(ports, stored);
  // Only a supplement wait ends this way; "resume" would also lift a stop.
  return applicantAction(
    ports,
    provided.dossierId,
    { action: "resume", officialId: "" },
    (data) => data.status === DossierStatus.SUPPLEMENT_REQUESTED,
  );
}

/** The workflow's supplement_provided outcome: status 1 again, awaiting acceptance; nothing paused, nothing pushed. */
function backToIntakeCheck(ports: RoutingPorts, stored: Versioned<AssignmentRecord>): WriteOp[] {
  const { data } = stored;
  const now = ports.now();
  const next = afterOutcome({ state: data.state, status: data.status }, "supplement_provided");
  return planWrites(stored.version, {
    data: settle(ports, { ...data, ...next, missingItems: [] }, now),
    events: [
      routingEvent("dossierResumed", data, {
        status: next.status,
        resumedAt: now.toISOString(),
        waitedWorkingHours: 0,
        resumedFrom: data.status,
      }),
    ],
  });
}

/** The applicant withdraws the dossier (1, 4 or 5 → 7). */
export function withdrawOnRequest(ports: RoutingPorts, requested: events.WithdrawalRequested): Promise<WriteOp[]> {
  return applicantAction(ports, requested.dossierId, {
    action: "withdraw",
    officialId: "",
    reason: requested.reason || undefined,
  });
}
