import type { HttpApp } from "@lienthong/service-host";
import { listDeliveries } from "../use-cases/list-deliveries";
import type { NotificationPorts } from "../use-cases/ports";
import { COMMUNE_SYSTEM, OPERATOR } from "./access";

/**
 * REST: the deliveries of a dossier, for its commune systems and for operators
 * (one route each, as the host's Access names one kind of caller per route);
 * both reach the same use case, which decides who may read which dossier.
 */
export function notificationRoutes(http: HttpApp, ports: NotificationPorts): void {
  http.route({
    method: "get",
    path: "/v1/dossiers/:dossierRef/deliveries",
    access: COMMUNE_SYSTEM,
    handle: async (request, response, caller) => {
      response.json({ deliveries: await listDeliveries(ports, caller, String(request.params.dossierRef)) });
    },
  });
  http.route({
    method: "get",
    path: "/ops/dossiers/:dossierRef/deliveries",
    access: OPERATOR,
    handle: async (request, response, caller) => {
      response.json({ deliveries: await listDeliveries(ports, caller, String(request.params.dossierRef)) });
    },
  });
}
