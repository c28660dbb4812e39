import { consumedTopics } from "@lienthong/contracts";
import type { ConsumedEventHandler } from "@lienthong/service-host";
import type { IntakePorts } from "../use-cases/ports";
import { recordLifecycleEvent } from "../use-cases/record-lifecycle-event";

/** The timeline projects the other services' events; intake enters its own as it makes them (withOwnEvents). */
export const intakeTopics = consumedTopics("intake");

export function intakeEventHandler(ports: IntakePorts): ConsumedEventHandler {
  return (event) => recordLifecycleEvent(ports, event);
}
