import type { DocumentStore, WriteOp } from "@lienthong/storage";

export interface NotificationPorts {
  store: DocumentStore;
  commit(ops: readonly WriteOp[]): Promise<void>;
  /** The webhook URL of a commune system (by client id), if it registered one. */
  webhookUrlFor(clientId: string): string | undefined;
  now(): Date;
}
