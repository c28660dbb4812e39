import { consumedTopics, type EventTypeName } from "@lienthong/contracts";
import type { ConsumedEvent } from "@lienthong/service-host";
import type { WriteOp } from "@lienthong/storage";
import type { SignaturePorts } from "../use-cases/ports";
import { issueSlip, slipRequestOf } from "../use-cases/issue-slip";
import { signResult } from "../use-cases/sign-result";

export const signatureTopics = consumedTopics("signature");

/**
 * Of routing's events, signature acts on its signature requests and on the
 * acts the desk hands a slip for (acceptance, a supplement request, a
 * refusal, an apology): the others pass without an inbox marker.
 */
export const signatureHandles: readonly EventTypeName[] = [
  "signatureRequested",
  "applicationAccepted",
  "supplementRequested",
  "applicationRefused",
  "apologyIssued",
];

export function signatureEventHandler(ports: SignaturePorts) {
  return async (event: ConsumedEvent): Promise<WriteOp[]> => {
    if (event.name === "signatureRequested") return signResult(ports, event.payload);
    const slip = slipRequestOf(event);
    return slip ? issueSlip(ports, slip) : [];
  };
}
