import { notification } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import type { DeliveryStatus } from "../store/collections";
import { listDeliveries } from "../use-cases/list-deliveries";
import type { NotificationPorts } from "../use-cases/ports";
import { COMMUNE_SYSTEM } from "./access";

const { DeliveryStatus: Status } = notification;

/** Notify's statuses as the contract numbers them. */
const STATUS_NUMBERS: Record<DeliveryStatus, notification.DeliveryStatus> = {
  created: Status.DELIVERY_STATUS_CREATED,
  sending: Status.DELIVERY_STATUS_SENDING,
  pending: Status.DELIVERY_STATUS_PENDING,
  sent: Status.DELIVERY_STATUS_SENT,
  delivered: Status.DELIVERY_STATUS_DELIVERED,
  "permanent-failure": Status.DELIVERY_STATUS_PERMANENT_FAILURE,
  "temporary-failure": Status.DELIVERY_STATUS_TEMPORARY_FAILURE,
  "technical-failure": Status.DELIVERY_STATUS_TECHNICAL_FAILURE,
};

/** gRPC for commune systems (and operators through a client of their unit): the API key and token travel in metadata. */
export function notificationGrpc(ports: NotificationPorts): GrpcServiceRegistration {
  const implementation: notification.NotificationServiceServer = {
    listDeliveries: unary(COMMUNE_SYSTEM, async (request: notification.ListDeliveriesRequest, { caller }) =>
      notification.ListDeliveriesResponse.fromPartial({
        deliveries: (await listDeliveries(ports, caller, request.dossierRef)).map(
          ({ stateName: _name, status, history, ...delivery }) => ({
            ...delivery,
            status: STATUS_NUMBERS[status],
            history: history.map((step) => ({ ...step, status: STATUS_NUMBERS[step.status] })),
          }),
        ),
      }),
    ),
  };
  return { definition: notification.NotificationServiceService, implementation };
}
