import type { Logger } from "@lienthong/service-host";
import type { DocumentStore, WriteOp } from "@lienthong/storage";
import type { WebhookEndpoints } from "../channels/webhook-endpoints";
import type { TemplateCatalog } from "../templates/catalog";
import type { TemplatedEventName } from "../templates/variables";
import type { QuietHours } from "./quiet-hours";

/** The phone channels configured (gateways are off unless configured): what planning needs to know of them. */
export interface PhoneChannels {
  sms?: { diacritics: boolean };
  zns?: { templates: Partial<Record<TemplatedEventName, string>> };
}

/** One access decision on a dossier's deliveries, for the audit log: ids only, never personal data. */
export interface AccessDecision {
  action: string;
  outcome: "allowed" | "denied" | "not_found";
  /** The dossier id (or webhook endpoint id) when it exists, else the reference the caller asked for. */
  target: string;
  clientId?: string;
  officialId?: string;
}

export interface NotificationPorts {
  store: DocumentStore;
  commit(ops: readonly WriteOp[]): Promise<void>;
  /** The commune systems' webhook endpoints (by client id), and every endpoint. */
  webhooks: WebhookEndpoints;
  /** SMS and ZNS, when configured: applicants whose application carries a phone number are told by them. */
  phone: PhoneChannels;
  /** The applicants' templates in force (shipped, or the province's), checked when they loaded. */
  templates: TemplateCatalog;
  /** When non-urgent SMS and ZNS messages wait (Vietnam time), if the deployment set quiet hours. */
  quietHours?: QuietHours;
  /** The province a commune or agency code belongs to (operators act for their province). */
  provinceOf(unitCode: string): string | undefined;
  /** Records a decision in the service's audit log (the host's hash-chained one). */
  audit(decision: AccessDecision): void;
  logger: Logger;
  now(): Date;
}
