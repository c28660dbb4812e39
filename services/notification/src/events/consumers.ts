import { consumedTopics } from "@lienthong/contracts";
import type { ConsumedEvent } from "@lienthong/service-host";
import type { WriteOp } from "@lienthong/storage";
import { planDeliveries } from "../use-cases/plan-deliveries";
import type { NotificationPorts } from "../use-cases/ports";

export const notificationTopics = consumedTopics("notification");

export function notificationEventHandler(ports: NotificationPorts) {
  return (event: ConsumedEvent): Promise<WriteOp[]> => planDeliveries(ports, event);
}
