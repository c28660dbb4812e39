import type { HttpApp } from "@lienthong/service-host";
import { dossierActionOf } from "../use-cases/actions/action-request";
import { applyDossierAction } from "../use-cases/apply-action";
import { decideDossier } from "../use-cases/decide-dossier";
import { assignmentView, getAssignment } from "../use-cases/find-assignment";
import { getIndicators } from "../use-cases/get-indicators";
import { listQueue } from "../use-cases/list-queue";
import type { RoutingPorts } from "../use-cases/ports";
import { CLIENT, INDICATORS, OFFICIAL_ACTION } from "./access";

/** REST for commune systems and officials: thin, every rule lives in the use cases. */
export function routingRoutes(http: HttpApp, ports: RoutingPorts): void {
  http.route({
    method: "get",
    path: "/v1/dossiers/:dossierRef",
    access: CLIENT,
    handle: async (request, response, caller) => {
      const assignment = await getAssignment(ports, caller, String(request.params.dossierRef));
      response.json({ assignment: assignmentView(ports, assignment) });
    },
  });

  http.route({
    method: "post",
    path: "/v1/dossiers/:dossierRef/actions/:action",
    access: OFFICIAL_ACTION,
    handle: async (request, response, caller) => {
      const updated = await applyDossierAction(
        ports,
        caller,
        String(request.params.dossierRef),
        dossierActionOf(String(request.params.action)),
        request.body,
      );
      response.json({ assignment: assignmentView(ports, updated) });
    },
  });

  http.route({
    method: "post",
    path: "/v1/dossiers/:dossierRef/decision",
    access: OFFICIAL_ACTION,
    handle: async (request, response, caller) => {
      const decided = await decideDossier(ports, caller, String(request.params.dossierRef), request.body);
      response.json({ assignment: assignmentView(ports, decided) });
    },
  });

  http.route({
    method: "get",
    path: "/v1/queues/:agencyCode",
    access: CLIENT,
    handle: async (request, response, caller) => {
      const { assignments, nextPageToken } = await listQueue(ports, caller, {
        ...request.query,
        agencyCode: request.params.agencyCode,
      });
      response.json({ assignments: assignments.map((assignment) => assignmentView(ports, assignment)), nextPageToken });
    },
  });

  http.route({
    method: "get",
    path: "/v1/indicators/:unitCode",
    access: INDICATORS,
    handle: async (request, response, caller) => {
      const indicators = await getIndicators(ports, caller, { ...request.query, unitCode: request.params.unitCode });
      response.json({ indicators });
    },
  });
}
