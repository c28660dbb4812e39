import { notification } from "@lienthong/contracts";
import { type GrpcServiceRegistration, unary } from "@lienthong/service-host";
import type { DeliveryState, DeliveryStatus } from "../store/collections";
import type { TemplateRef } from "../templates/catalog";
import { listDeliveries } from "../use-cases/list-deliveries";
import type { NotificationPorts } from "../use-cases/ports";
import { resendDelivery } from "../use-cases/operations";
import { previewTemplate } from "../use-cases/preview-template";
import { COMMUNE_SYSTEM, OPERATOR } from "./access";

const { DeliveryStatus: Status } = notification;

/** The dispatcher's states as the contract numbers them. */
const STATE_NUMBERS: Record<DeliveryState, notification.DeliveryState> = {
  pending: notification.DeliveryState.DELIVERY_STATE_PENDING,
  held: notification.DeliveryState.DELIVERY_STATE_HELD,
  sent: notification.DeliveryState.DELIVERY_STATE_SENT,
  delivered: notification.DeliveryState.DELIVERY_STATE_DELIVERED,
  failed: notification.DeliveryState.DELIVERY_STATE_FAILED,
};

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

/** A template as the contract names it. */
function templateRef({ name, language, version, source }: TemplateRef): notification.TemplateRef {
  return { eventType: name, language, version, source };
}

/** gRPC for commune systems (and operators through a client of their unit): the API key and token travel in metadata. */
export function notificationGrpc(ports: NotificationPorts): GrpcServiceRegistration {
  const implementation: notification.NotificationServiceServer = {
    listDeliveries: unary(COMMUNE_SYSTEM, async (request: notification.ListDeliveriesRequest, { caller }) =>
      notification.ListDeliveriesResponse.fromPartial({
        deliveries: (await listDeliveries(ports, caller, request.dossierRef)).map(
          ({ stateName: _name, status, history, template, ...delivery }) => ({
            ...delivery,
            ...(template && { template: templateRef(template) }),
            status: STATUS_NUMBERS[status],
            history: history.map((step) => ({ ...step, status: STATUS_NUMBERS[step.status] })),
          }),
        ),
      }),
    ),
    resendDelivery: unary(OPERATOR, async (request: notification.ResendDeliveryRequest, { caller }) => {
      const resent = await resendDelivery(ports, caller, request.notificationId);
      return notification.ResendDeliveryResponse.fromPartial({ ...resent, state: STATE_NUMBERS[resent.state] });
    }),
    previewTemplate: unary(OPERATOR, async (request: notification.PreviewTemplateRequest, { caller }) => {
      const variables = Object.fromEntries(
        Object.entries(request.variables).map(([name, { value }]) => [
          name,
          value === undefined ? "" : value.$case === "list" ? value.value.items : value.value,
        ]),
      );
      const preview = previewTemplate(ports, caller, {
        eventType: request.eventType,
        language: request.language,
        variables,
      });
      return notification.PreviewTemplateResponse.fromPartial({
        template: templateRef(preview.template),
        emailSubject: preview.email.subject,
        emailText: preview.email.text,
        emailHtml: preview.email.html,
        smsText: preview.sms.text,
        smsSegments: preview.sms.segments,
        smsEncoding: preview.sms.encoding,
        znsData: preview.zns,
      });
    }),
  };
  return { definition: notification.NotificationServiceService, implementation };
}
