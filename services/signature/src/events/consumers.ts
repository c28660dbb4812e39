import { consumedTopics, type EventTypeName } from "@lienthong/contracts";
import type { ConsumedEvent } from "@lienthong/service-host";
import type { WriteOp } from "@lienthong/storage";
import type { SignaturePorts } from "../use-cases/ports";
import { signResult } from "../use-cases/sign-result";

export const signatureTopics = consumedTopics("signature");

/** Of routing's events, signature acts on its requests alone: the others pass without an inbox marker. */
export const signatureHandles: readonly EventTypeName[] = ["signatureRequested"];

export function signatureEventHandler(ports: SignaturePorts) {
  return async (event: ConsumedEvent): Promise<WriteOp[]> =>
    event.name === "signatureRequested" ? signResult(ports, event.payload) : [];
}
