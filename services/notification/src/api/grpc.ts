import { notification } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import { listDeliveries } from "../use-cases/list-deliveries";
import type { NotificationPorts } from "../use-cases/ports";
import { DOSSIER_DELIVERIES } from "./access";

/** gRPC: the same use case and access as REST; the API key or token travels in metadata. */
export function notificationGrpc(ports: NotificationPorts): GrpcServiceRegistration {
  const implementation: notification.NotificationServiceServer = {
    listDeliveries: unary(DOSSIER_DELIVERIES, async (request: notification.ListDeliveriesRequest, { caller }) =>
      notification.ListDeliveriesResponse.fromPartial({
        deliveries: (await listDeliveries(ports, caller, request.dossierRef)).map(
          ({ stateName: _name, ...delivery }) => delivery,
        ),
      }),
    ),
  };
  return { definition: notification.NotificationServiceService, implementation };
}
