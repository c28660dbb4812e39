import type { AdministrativeUnits, ProcedureCatalog, WorkflowPractice, WorkingCalendar } from "@lienthong/domain";
import type { DocumentStore, WriteOp } from "@lienthong/storage";

/** The deadline rules a deployment chooses (DOMAIN.md §9: apology rules are unconfirmed). */
export interface DeadlinePolicy {
  /** A dossier is due soon with this much working time left (default one working day). */
  dueSoonWorkingHours: number;
  /** How many apology letters with a new appointment one dossier may get (APOLOGY_MAX). */
  apologyMax: number;
  /** Working hours before the appointment by which an apology must be issued; 0 = any time before it. */
  apologyMinLeadWorkingHours: number;
}

/** Who is recorded: ids only, never a credential or personal data. */
interface AuditIds {
  clientId?: string;
  /** The official's token subject (staff id). */
  officialId?: string;
}

/** One tenancy decision on a dossier, a queue or a unit (`unit:<code>`). */
export interface AccessDecision extends AuditIds {
  /** What was asked: "read_assignment", "list_queue", "read_indicators", "read_commune_indicators" or a workflow action. */
  action: string;
  outcome: "allowed" | "denied" | "not_found";
  /** The dossier id when it exists, else the reference asked for, or `unit:<code>`. */
  target: string;
  /** Why, when denied: a stable name, never a submitted value. */
  reason?: string;
}

/** An official's action that was applied: recorded in the same commit as the dossier's change. */
export interface ActionRecord extends AuditIds {
  action: string;
  outcome: "done";
  /** The dossier id. */
  target: string;
}

/** The service's audit log (the host's hash-chained one). */
export interface RoutingAudit {
  /** Records a tenancy decision on its own (committed within the host's flush interval). */
  decided(decision: AccessDecision): void;
  /** The write that records an applied action; commit it with the action. */
  done(record: ActionRecord): WriteOp;
}

export interface RoutingPorts {
  store: DocumentStore;
  commit(ops: WriteOp[]): Promise<void>;
  catalog: ProcedureCatalog;
  units: AdministrativeUnits;
  calendar: WorkingCalendar;
  deadlines: DeadlinePolicy;
  /** Supplement requests one dossier may get (SUPPLEMENT_MAX; Decree 118/2025 Art. 11(2): once). */
  supplementMax: number;
  /** Working days the applicant has to supply (SUPPLEMENT_DEADLINE_WORKING_DAYS); 0 = no deadline. */
  supplementDeadlineWorkingDays: number;
  /** What the province's practice adds to the workflow table (SUPPLEMENT_BEFORE_ACCEPTANCE). */
  practice: WorkflowPractice;
  /** Accept every application at once (official "system"), as before officials checked intake. */
  autoAccept: boolean;
  audit: RoutingAudit;
  now(): Date;
}
