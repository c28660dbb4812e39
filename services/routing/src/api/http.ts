import { Router } from "express";
import { dossierActionOf } from "../use-cases/actions/action-request";
import { applyDossierAction } from "../use-cases/apply-action";
import { decideDossier } from "../use-cases/decide-dossier";
import { assignmentView, getAssignment } from "../use-cases/find-assignment";
import { getIndicators } from "../use-cases/get-indicators";
import { listQueue } from "../use-cases/list-queue";
import type { RoutingPorts } from "../use-cases/ports";

/** REST for officials' systems and commune systems: thin, every rule lives in the use cases. */
export function routingRouter(ports: RoutingPorts): Router {
  const router = Router();

  router.get("/v1/dossiers/:dossierRef", async (request, response) => {
    response.json({ assignment: assignmentView(ports, await getAssignment(ports, request.params.dossierRef)) });
  });

  router.post("/v1/dossiers/:dossierRef/actions/:action", async (request, response) => {
    const updated = await applyDossierAction(
      ports,
      request.params.dossierRef,
      dossierActionOf(request.params.action),
      request.body,
    );
    response.json({ assignment: assignmentView(ports, updated) });
  });

  router.post("/v1/dossiers/:dossierRef/decision", async (request, response) => {
    const decided = await decideDossier(ports, request.params.dossierRef, request.body);
    response.json({ assignment: assignmentView(ports, decided) });
  });

  router.get("/v1/queues/:agencyCode", async (request, response) => {
    const { assignments, nextPageToken } = await listQueue(ports, {
      ...request.query,
      agencyCode: request.params.agencyCode,
    });
    response.json({ assignments: assignments.map((assignment) => assignmentView(ports, assignment)), nextPageToken });
  });

  router.get("/v1/indicators/:unitCode", async (request, response) => {
    response.json({ indicators: await getIndicators(ports, { ...request.query, unitCode: request.params.unitCode }) });
  });

  return router;
}
