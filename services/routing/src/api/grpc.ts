import { routing } from "@lienthong/contracts";
import { unary, type GrpcServiceRegistration } from "@lienthong/service-kit";
import { decideDossier } from "../use-cases/decide-dossier";
import { assignmentView, getAssignment } from "../use-cases/find-assignment";
import type { RoutingPorts } from "../use-cases/ports";

export function routingGrpc(ports: RoutingPorts): GrpcServiceRegistration {
  const implementation: routing.RoutingServiceServer = {
    getAssignment: unary(async (request: routing.GetAssignmentRequest) =>
      routing.GetAssignmentResponse.fromPartial({ assignment: assignmentView(await getAssignment(ports, request.dossierRef)) }),
    ),
    decideDossier: unary(async (request: routing.DecideDossierRequest) => {
      const decided = await decideDossier(ports, request.dossierRef, {
        outcome: request.outcome,
        officialId: request.officialId,
        summary: request.summary,
        expectedVersion: request.expectedVersion || undefined,
      });
      return routing.DecideDossierResponse.fromPartial({ assignment: assignmentView(decided) });
    }),
  };
  return { definition: routing.RoutingServiceService, implementation };
}
