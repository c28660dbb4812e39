import { consumedTopics } from "@lienthong/contracts";
import type { ConsumedEventHandler } from "@lienthong/service-host";
import { resumeAfterSupplement, withdrawOnRequest } from "../use-cases/intake-requests";
import { issueResult } from "../use-cases/issue-result";
import type { RoutingPorts } from "../use-cases/ports";
import { recordSignatureFailure } from "../use-cases/record-signature-failure";
import { registerDossier } from "../use-cases/register-dossier";

export const routingTopics = consumedTopics("routing");

/** Routes each consumed event to its use case with its decoded payload; other events are not routing's business. */
export function routingEventHandler(ports: RoutingPorts): ConsumedEventHandler {
  return async (event) => {
    switch (event.name) {
      case "applicationSubmitted":
        return registerDossier(ports, event.payload, event.headers.traceparent ?? "");
      case "supplementProvided":
        return resumeAfterSupplement(ports, event.payload);
      case "withdrawalRequested":
        return withdrawOnRequest(ports, event.payload);
      case "documentSigned":
        return issueResult(ports, event.payload);
      case "signatureFailed":
        return recordSignatureFailure(ports, event.payload);
      default:
        return [];
    }
  };
}
