import { consumedTopics } from "@lienthong/contracts";
import type { ConsumedEvent } from "@lienthong/service-host";
import type { WriteOp } from "@lienthong/storage";
import type { SignaturePorts } from "../use-cases/ports";
import { signResult } from "../use-cases/sign-result";

export const signatureTopics = consumedTopics("signature");

export function signatureEventHandler(ports: SignaturePorts) {
  return async (event: ConsumedEvent): Promise<WriteOp[]> =>
    event.name === "signatureRequested" ? signResult(ports, event.payload) : [];
}
