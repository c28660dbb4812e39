import type { DocumentStore, WriteOp } from "@lienthong/storage";
import type { WebhookEndpoint } from "../channels/ports";

/** One access decision on a dossier's deliveries, for the audit log: ids only, never personal data. */
export interface AccessDecision {
  action: string;
  clientId?: string;
  officialId?: string;
  /** The dossier id when it exists, else the reference the caller asked for. */
  target: string;
  decision: "allowed" | "denied" | "not_found";
}

export interface NotificationPorts {
  store: DocumentStore;
  commit(ops: readonly WriteOp[]): Promise<void>;
  /** The webhook endpoint of a commune system (by client id), if it registered one. */
  webhookEndpointOf(clientId: string): WebhookEndpoint | undefined;
  audit(decision: AccessDecision): void;
  now(): Date;
}
