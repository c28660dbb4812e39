import { Router } from "express";
import { decideDossier } from "../use-cases/decide-dossier";
import { assignmentView, getAssignment } from "../use-cases/find-assignment";
import type { RoutingPorts } from "../use-cases/ports";

export function routingRouter(ports: RoutingPorts): Router {
  const router = Router();

  router.get("/v1/dossiers/:dossierRef", async (request, response) => {
    response.json({ assignment: assignmentView(await getAssignment(ports, request.params.dossierRef)) });
  });

  router.post("/v1/dossiers/:dossierRef/decision", async (request, response) => {
    const decided = await decideDossier(ports, request.params.dossierRef, request.body);
    response.json({ assignment: assignmentView(decided) });
  });

  return router;
}
