import type { HttpApp } from "@lienthong/service-host";
import { listDeliveries } from "../use-cases/list-deliveries";
import { listEndpoints, listParked, redriveEndpoint, resendDelivery } from "../use-cases/operations";
import type { NotificationPorts } from "../use-cases/ports";
import { COMMUNE_SYSTEM, OPERATOR } from "./access";

/**
 * REST: the deliveries of a dossier, for its commune systems and for operators
 * (one route each, as the host's Access names one kind of caller per route);
 * both reach the same use case, which decides who may read which dossier.
 * Operators also resend a delivery, see and redrive webhook endpoints, and see
 * the events parked until their dossier's submission arrives.
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
  http.route({
    method: "post",
    path: "/ops/deliveries/:notificationId/resend",
    access: OPERATOR,
    body: "none",
    handle: async (request, response, caller) => {
      response.status(202).json(await resendDelivery(ports, caller, String(request.params.notificationId)));
    },
  });
  http.route({
    method: "get",
    path: "/ops/webhook-endpoints",
    access: OPERATOR,
    handle: async (_request, response, caller) => {
      response.json({ endpoints: await listEndpoints(ports, caller) });
    },
  });
  http.route({
    method: "post",
    path: "/ops/webhook-endpoints/:endpointId/redrive",
    access: OPERATOR,
    body: "none",
    handle: async (request, response, caller) => {
      response.status(202).json(await redriveEndpoint(ports, caller, String(request.params.endpointId)));
    },
  });
  http.route({
    method: "get",
    path: "/ops/parked-events",
    access: OPERATOR,
    handle: async (_request, response, caller) => {
      response.json({ dossiers: await listParked(ports, caller) });
    },
  });
}
