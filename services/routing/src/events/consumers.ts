import { EventTypes, Topics } from "@lienthong/contracts";
import type { DeliveredEvent } from "@lienthong/messaging";
import type { WriteOp } from "@lienthong/storage";
import { assignDossier } from "../use-cases/assign-dossier";
import { issueResult } from "../use-cases/issue-result";
import type { RoutingPorts } from "../use-cases/ports";
import { recordSignatureFailure } from "../use-cases/record-signature-failure";

export const routingTopics = [Topics.intake, Topics.signature];

/** Routes each consumed event type to its use case; other types are not routing's business. */
export function routingEventHandler(ports: RoutingPorts) {
  return async (event: DeliveredEvent): Promise<WriteOp[]> => {
    switch (event.type) {
      case EventTypes.applicationSubmitted.type:
        return assignDossier(ports, event);
      case EventTypes.documentSigned.type:
        return issueResult(ports, event);
      case EventTypes.signatureFailed.type:
        return recordSignatureFailure(ports, event);
      default:
        return [];
    }
  };
}
