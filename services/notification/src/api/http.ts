import { Router } from "express";
import { listDeliveries } from "../use-cases/list-deliveries";
import type { NotificationPorts } from "../use-cases/ports";

export function notificationRouter(ports: NotificationPorts): Router {
  const router = Router();
  router.get("/v1/dossiers/:dossierRef/deliveries", async (request, response) => {
    response.json({ deliveries: await listDeliveries(ports, request.params.dossierRef) });
  });
  return router;
}
