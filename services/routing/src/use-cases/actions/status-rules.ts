import {
  DossierStatus,
  IllegalTransitionError,
  allowedActions,
  applyAction,
  statusLabel,
  type DossierAction,
  type DossierStatus as Status,
} from "@lienthong/domain";
import { failedPrecondition } from "@lienthong/errors";
import type { AssignmentRecord } from "../../store/collections";
import { ROUTING_ACTIONS, type RoutingAction } from "./action-request";

/**
 * The domain's status machine (DOSSIER_ACTIONS) is the only table of what is
 * allowed; this maps the contract's action names onto it. Two differences:
 * "resume" also ends a supplement wait (an official receives the missing
 * items at the counter), and "transfer" changes the competent authority, not
 * the status, so it is allowed while the dossier is being processed.
 */
function domainActionFor(action: RoutingAction, status: Status): DossierAction | undefined {
  switch (action) {
    case "transfer":
      return undefined;
    case "resume":
      return status === DossierStatus.SUPPLEMENT_REQUESTED ? "resumeFromSupplement" : "resume";
    case "request_supplement":
      return "requestSupplement";
    case "request_payment":
      return "requestPayment";
    case "record_payment":
      return "recordPayment";
    case "return_result":
      return "returnResult";
    default:
      return action;
  }
}

const ROUTING_ACTION_OF: Partial<Record<DossierAction, RoutingAction>> = Object.fromEntries(
  ROUTING_ACTIONS.flatMap((action) => {
    const domain = domainActionFor(action, DossierStatus.PROCESSING);
    return domain ? [[domain, action]] : [];
  }),
);
ROUTING_ACTION_OF.resumeFromSupplement = "resume";

/** A decision waits for its signed result: nothing else may happen to the dossier meanwhile. */
function awaitsSignature(data: AssignmentRecord): boolean {
  return data.decision !== null && data.result === null;
}

/** The actions an official may take now, in contract order. */
export function allowedRoutingActions(data: AssignmentRecord): RoutingAction[] {
  if (awaitsSignature(data)) return [];
  const status = data.status as Status;
  const allowed = new Set<RoutingAction>();
  for (const domain of allowedActions(status)) {
    const action = ROUTING_ACTION_OF[domain];
    if (action) allowed.add(action);
  }
  if (status === DossierStatus.PROCESSING) allowed.add("transfer");
  return ROUTING_ACTIONS.filter((action) => allowed.has(action));
}

function refusal(action: RoutingAction, data: AssignmentRecord, why: string) {
  const allowed = allowedRoutingActions(data);
  return failedPrecondition(
    `Action "${action}" is not allowed: ${why}; allowed actions: ${allowed.length > 0 ? allowed.join(", ") : "none"}`,
    { status: data.status, allowedActions: allowed },
  );
}

/** The status after `action`, or FAILED_PRECONDITION naming the current status and the allowed actions. */
export function nextStatus(action: RoutingAction, data: AssignmentRecord): Status {
  const status = data.status as Status;
  const describe = `the dossier is at status ${status} (${statusLabel(status, "en")})`;
  if (awaitsSignature(data)) throw refusal(action, data, `${describe} and its decision awaits the signed result`);
  const domain = domainActionFor(action, status);
  if (!domain) {
    if (status !== DossierStatus.PROCESSING)
      throw refusal(action, data, `${describe}; only a dossier in processing can be transferred`);
    return status;
  }
  try {
    return applyAction(status, domain);
  } catch (error) {
    if (error instanceof IllegalTransitionError) throw refusal(action, data, describe);
    throw error;
  }
}
