import { routing } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import { dossierActionOf } from "../use-cases/actions/action-request";
import { applyDossierAction } from "../use-cases/apply-action";
import { decideDossier } from "../use-cases/decide-dossier";
import { assignmentView, getAssignment } from "../use-cases/find-assignment";
import { getIndicators } from "../use-cases/get-indicators";
import { listQueue } from "../use-cases/list-queue";
import type { RoutingPorts } from "../use-cases/ports";

/** proto3 has no absent scalars: an empty string, zero or empty list means "not given". */
const given = <T>(value: T): T | undefined =>
  value === "" || value === 0 || (Array.isArray(value) && value.length === 0) ? undefined : value;

/**
 * The contract's DossierAction enum names the workflow's actions: the value's
 * generated name, DOSSIER_ACTION_REQUEST_SUPPLEMENT, is "request_supplement".
 * Never by position, so reordering or adding enum values cannot shift them.
 */
function actionFromContract(value: routing.DossierAction) {
  return dossierActionOf(
    routing
      .dossierActionToJSON(value)
      .replace(/^DOSSIER_ACTION_/, "")
      .toLowerCase(),
  );
}

export function routingGrpc(ports: RoutingPorts): GrpcServiceRegistration {
  const implementation: routing.RoutingServiceServer = {
    getAssignment: unary(async (request: routing.GetAssignmentRequest) =>
      routing.GetAssignmentResponse.fromPartial({
        assignment: assignmentView(ports, await getAssignment(ports, request.dossierRef)),
      }),
    ),
    decideDossier: unary(async (request: routing.DecideDossierRequest) => {
      const decided = await decideDossier(ports, request.dossierRef, {
        outcome: given(request.outcome),
        officialId: request.officialId,
        summary: given(request.summary),
        expectedVersion: given(request.expectedVersion),
      });
      return routing.DecideDossierResponse.fromPartial({ assignment: assignmentView(ports, decided) });
    }),
    applyAction: unary(async (request: routing.ApplyActionRequest) => {
      const updated = await applyDossierAction(ports, request.dossierRef, actionFromContract(request.action), {
        officialId: request.officialId,
        expectedVersion: given(request.expectedVersion),
        reason: given(request.reason),
        missingItems: given(request.missingItems),
        amountVnd: given(request.amountVnd),
        receiptNumber: given(request.receiptNumber),
        targetAgencyCode: given(request.targetAgencyCode),
        outcome: given(request.outcome),
        summary: given(request.summary),
      });
      return routing.ApplyActionResponse.fromPartial({ assignment: assignmentView(ports, updated) });
    }),
    listQueue: unary(async (request: routing.ListQueueRequest) => {
      const { assignments, nextPageToken } = await listQueue(ports, {
        agencyCode: request.agencyCode,
        status: given(request.status),
        pageSize: given(request.pageSize),
        pageToken: given(request.pageToken),
      });
      return routing.ListQueueResponse.fromPartial({
        assignments: assignments.map((assignment) => assignmentView(ports, assignment)),
        nextPageToken,
      });
    }),
    getIndicators: unary(async (request: routing.GetIndicatorsRequest) =>
      routing.GetIndicatorsResponse.fromPartial({
        indicators: await getIndicators(ports, {
          unitCode: request.unitCode,
          from: request.fromDate,
          to: request.toDate,
        }),
      }),
    ),
  };
  return { definition: routing.RoutingServiceService, implementation };
}
