import { EventTypes, Topics } from "@lienthong/contracts";
import type { DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { resumeAfterSupplement, withdrawOnRequest } from "../use-cases/intake-requests";
import { issueResult } from "../use-cases/issue-result";
import type { RoutingPorts } from "../use-cases/ports";
import { recordSignatureFailure } from "../use-cases/record-signature-failure";
import { registerDossier } from "../use-cases/register-dossier";

export const routingTopics = [Topics.intake, Topics.signature];

/** Routes each consumed event type to its use case; other types are not routing's business. */
export function routingEventHandler(ports: RoutingPorts) {
  return async (event: DeliveredEvent): Promise<WriteOp[]> => {
    switch (event.type) {
      case EventTypes.applicationSubmitted.type:
        return registerDossier(ports, event);
      case EventTypes.supplementProvided.type:
        return resumeAfterSupplement(ports, event);
      case EventTypes.withdrawalRequested.type:
        return withdrawOnRequest(ports, event);
      case EventTypes.documentSigned.type:
        return issueResult(ports, event);
      case EventTypes.signatureFailed.type:
        return recordSignatureFailure(ports, event);
      default:
        return [];
    }
  };
}
