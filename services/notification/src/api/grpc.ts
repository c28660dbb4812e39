import { notification } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import { listDeliveries } from "../use-cases/list-deliveries";
import type { NotificationPorts } from "../use-cases/ports";
import { COMMUNE_SYSTEM } from "./access";

/** gRPC for commune systems (and operators through a client of their unit): the API key and token travel in metadata. */
export function notificationGrpc(ports: NotificationPorts): GrpcServiceRegistration {
  const implementation: notification.NotificationServiceServer = {
    listDeliveries: unary(COMMUNE_SYSTEM, async (request: notification.ListDeliveriesRequest, { caller }) =>
      notification.ListDeliveriesResponse.fromPartial({
        deliveries: (await listDeliveries(ports, caller, request.dossierRef)).map(
          ({ stateName: _name, ...delivery }) => delivery,
        ),
      }),
    ),
  };
  return { definition: notification.NotificationServiceService, implementation };
}
