import { EventTypes, Topics } from "@lienthong/contracts";
import type { DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import type { SignaturePorts } from "../use-cases/ports";
import { signResult } from "../use-cases/sign-result";

export const signatureTopics = [Topics.routing];

export function signatureEventHandler(ports: SignaturePorts) {
  return async (event: DeliveredEvent): Promise<WriteOp[]> =>
    event.type === EventTypes.signatureRequested.type ? signResult(ports, event) : [];
}
