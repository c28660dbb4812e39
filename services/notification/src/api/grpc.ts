import { notification } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import { listDeliveries } from "../use-cases/list-deliveries";
import type { NotificationPorts } from "../use-cases/ports";

export function notificationGrpc(ports: NotificationPorts): GrpcServiceRegistration {
  const implementation: notification.NotificationServiceServer = {
    listDeliveries: unary(async (request: notification.ListDeliveriesRequest) =>
      notification.ListDeliveriesResponse.fromPartial({
        deliveries: (await listDeliveries(ports, request.dossierRef)).map(
          ({ stateName: _name, ...delivery }) => delivery,
        ),
      }),
    ),
  };
  return { definition: notification.NotificationServiceService, implementation };
}
