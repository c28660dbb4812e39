import type { AdministrativeUnits, ProcedureCatalog, WorkingCalendar } from "@lienthong/domain";
import type { DocumentStore, WriteOp } from "@lienthong/storage";

/** The deadline rules a deployment chooses (DOMAIN.md §9: apology rules are unconfirmed). */
export interface DeadlinePolicy {
  /** A dossier is due soon with this much working time left (default one working day). */
  dueSoonWorkingHours: number;
  /** How many apology letters with a new appointment one dossier may get. */
  apologyMax: number;
  /** Working days an apology adds from detection; 0 = the procedure's own processing time again. */
  apologyExtensionWorkingDays: number;
}

export interface RoutingPorts {
  store: DocumentStore;
  commit(ops: WriteOp[]): Promise<void>;
  catalog: ProcedureCatalog;
  units: AdministrativeUnits;
  calendar: WorkingCalendar;
  deadlines: DeadlinePolicy;
  /** Accept every application at once (official "system"), as before officials checked intake. */
  autoAccept: boolean;
  now(): Date;
}
