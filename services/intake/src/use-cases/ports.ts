import type { AdministrativeUnits, ProcedureCatalog } from "@lienthong/domain";
import type { DocumentStore, WriteOp } from "@lienthong/storage";

/** What intake's use cases need from the outside world; built once in service.ts. */
export interface IntakePorts {
  store: DocumentStore;
  /** Commits atomically and wakes the outbox relay. */
  commit(ops: WriteOp[]): Promise<void>;
  catalog: ProcedureCatalog;
  units: AdministrativeUnits;
  now(): Date;
}

/** Who is calling: the commune system or portal, identified by its credentials. */
export interface Caller {
  clientId: string;
}
