import { routing } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import { dossierActionOf } from "../use-cases/actions/action-request";
import { applyDossierAction } from "../use-cases/apply-action";
import { decideDossier } from "../use-cases/decide-dossier";
import { assignmentView, getAssignment } from "../use-cases/find-assignment";
import { getCommuneIndicators, getIndicators } from "../use-cases/get-indicators";
import { listQueue } from "../use-cases/list-queue";
import type { RoutingPorts } from "../use-cases/ports";
import { CLIENT, INDICATORS, OFFICIAL_ACTION } from "./access";

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

/**
 * gRPC for commune systems and officials: the same use cases and access as
 * REST; the API key travels in `x-api-key` metadata, the official's token in
 * `authorization`. The requests' `official_id` fields are not read: the
 * official is the token's subject.
 */
export function routingGrpc(ports: RoutingPorts): GrpcServiceRegistration {
  const implementation: routing.RoutingServiceServer = {
    getAssignment: unary(CLIENT, async (request: routing.GetAssignmentRequest, { caller }) =>
      routing.GetAssignmentResponse.fromPartial({
        assignment: assignmentView(ports, await getAssignment(ports, caller, request.dossierRef)),
      }),
    ),
    decideDossier: unary(OFFICIAL_ACTION, async (request: routing.DecideDossierRequest, { caller }) => {
      const decided = await decideDossier(ports, caller, request.dossierRef, {
        outcome: given(request.outcome),
        summary: given(request.summary),
        expectedVersion: given(request.expectedVersion),
      });
      return routing.DecideDossierResponse.fromPartial({ assignment: assignmentView(ports, decided) });
    }),
    applyAction: unary(OFFICIAL_ACTION, async (request: routing.ApplyActionRequest, { caller }) => {
      const updated = await applyDossierAction(ports, caller, request.dossierRef, actionFromContract(request.action), {
        expectedVersion: given(request.expectedVersion),
        reason: given(request.reason),
        missingItems: given(request.missingItems),
        amountVnd: given(request.amountVnd),
        receiptNumber: given(request.receiptNumber),
        targetAgencyCode: given(request.targetAgencyCode),
        outcome: given(request.outcome),
        summary: given(request.summary),
        newAppointmentAt: request.newAppointmentAt,
      });
      return routing.ApplyActionResponse.fromPartial({ assignment: assignmentView(ports, updated) });
    }),
    listQueue: unary(CLIENT, async (request: routing.ListQueueRequest, { caller }) => {
      const { assignments, nextPageToken } = await listQueue(ports, caller, {
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
    getIndicators: unary(INDICATORS, async (request: routing.GetIndicatorsRequest, { caller }) =>
      routing.GetIndicatorsResponse.fromPartial({
        indicators: await getIndicators(ports, caller, {
          unitCode: request.unitCode,
          from: request.fromDate,
          to: request.toDate,
        }),
      }),
    ),
    listCommuneIndicators: unary(INDICATORS, async (request: routing.ListCommuneIndicatorsRequest, { caller }) =>
      routing.ListCommuneIndicatorsResponse.fromPartial(
        await getCommuneIndicators(ports, caller, {
          provinceCode: request.provinceCode,
          from: request.fromDate,
          to: request.toDate,
        }),
      ),
    ),
  };
  return { definition: routing.RoutingServiceService, implementation };
}
