import type { HttpApp } from "@lienthong/service-host";
import { listDeliveries } from "../use-cases/list-deliveries";
import type { NotificationPorts } from "../use-cases/ports";
import { DOSSIER_DELIVERIES } from "./access";

/** REST for commune systems and operators: thin, who may read what is decided by the use case. */
export function notificationRoutes(http: HttpApp, ports: NotificationPorts): void {
  http.route({
    method: "get",
    path: "/v1/dossiers/:dossierRef/deliveries",
    access: DOSSIER_DELIVERIES,
    handle: async (request, response, caller) => {
      response.json({ deliveries: await listDeliveries(ports, caller, String(request.params.dossierRef)) });
    },
  });
}
