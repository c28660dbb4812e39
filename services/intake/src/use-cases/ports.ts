import type { AdministrativeUnits, CommuneMerges, ProcedureCatalog, ReceivingUnits } from "@lienthong/domain";
import type { ClientIdentity, PublicDocumentLink } from "@lienthong/service-host";
import type { DocumentStore, WriteOp } from "@lienthong/storage";
import type { DossierRegistrar } from "../store/dossier-registrar";

/** One access decision on a dossier, for the audit log: ids only, never personal data. */
export interface AccessDecision {
  /** The commune system's id; for province IT's reads (the operations console), the operator's id instead. */
  clientId?: string;
  officialId?: string;
  action: string;
  /** The dossier id when it exists, else the reference the caller asked for, or `unit:<code>` for a submission. */
  target: string;
  decision: "allowed" | "denied" | "not_found";
}

/** What intake's use cases need from the outside world; built once in service.ts. */
export interface IntakePorts {
  store: DocumentStore;
  /** Commits atomically and wakes the outbox relay. */
  commit(ops: WriteOp[]): Promise<void>;
  /** Allocates dossier codes and stores new applications (group commits per receiving unit). */
  registrar: DossierRegistrar;
  catalog: ProcedureCatalog;
  units: AdministrativeUnits;
  /** Where dossiers may be received: every commune's centre, and the units above the commune the deployment names. */
  receivingUnits: ReceivingUnits;
  /** The pre-2025 → new commune mapping; undefined until an operator imports it. */
  merges: CommuneMerges | undefined;
  audit(decision: AccessDecision): void;
  /** A signed link to a signed document (result or slip), for its applicant (service-host's public-links.ts). */
  documentLink(documentId: string): PublicDocumentLink;
  limits: { attachmentMaxBytes: number };
  /** A centre may receive dossiers decided in another province (INTAKE_ACROSS_PROVINCES); by default it may not. */
  acrossProvinces: boolean;
  now(): Date;
}

/**
 * Who is calling: a commune system or portal, identified by its API key, and
 * the units it acts for — receiving units (5-digit commune codes, or codes
 * above the commune such as 38.TTPVHCC) and competent authorities (commune
 * codes or provincial agency codes like 38.CA).
 */
export type Caller = ClientIdentity;
