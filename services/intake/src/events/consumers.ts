import { Topics } from "@lienthong/contracts";
import type { DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import type { IntakePorts } from "../use-cases/ports";
import { recordLifecycleEvent } from "../use-cases/record-lifecycle-event";

/** The timeline is a projection of every service's events, intake's own included. */
export const intakeTopics = Object.values(Topics);

export function intakeEventHandler(ports: IntakePorts) {
  return (event: DeliveredEvent): Promise<WriteOp[]> => recordLifecycleEvent(ports, event);
}
