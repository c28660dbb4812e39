import type { AdministrativeUnits, ProcedureCatalog, WorkingCalendar } from "@lienthong/domain";
import type { DocumentStore, WriteOp } from "@lienthong/storage";

export interface RoutingPorts {
  store: DocumentStore;
  commit(ops: WriteOp[]): Promise<void>;
  catalog: ProcedureCatalog;
  units: AdministrativeUnits;
  calendar: WorkingCalendar;
  now(): Date;
}
