import type { DocumentStore, WriteOp } from "@lienthong/storage";
import type { WebhookEndpoint } from "../channels/ports";

/** One access decision on a dossier's deliveries, for the audit log: ids only, never personal data. */
export interface AccessDecision {
  action: string;
  outcome: "allowed" | "denied" | "not_found";
  /** The dossier id when it exists, else the reference the caller asked for. */
  target: string;
  clientId?: string;
  officialId?: string;
}

export interface NotificationPorts {
  store: DocumentStore;
  commit(ops: readonly WriteOp[]): Promise<void>;
  /** The webhook endpoint of a commune system (by client id), if it registered one. */
  webhookEndpointOf(clientId: string): WebhookEndpoint | undefined;
  /** Records a decision in the service's audit log (the host's hash-chained one). */
  audit(decision: AccessDecision): void;
  now(): Date;
}
