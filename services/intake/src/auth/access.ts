import { notFound } from "@lienthong/errors";
import { dossierTarget, type OfficialIdentity } from "@lienthong/service-host";
import type { Versioned } from "@lienthong/storage";
import type { ApplicationRecord } from "../store/collections";
import { findApplication } from "../store/find-application";
import type { Caller, IntakePorts } from "../use-cases/ports";

/** A commune system sees the dossiers it received and those it is competent to decide (boundary-free intake). */
export function isVisibleTo(caller: Caller, record: ApplicationRecord): boolean {
  return (
    caller.unitCodes.has(record.receivingUnitCode) ||
    (typeof record.competentAuthorityCode === "string" && caller.unitCodes.has(record.competentAuthorityCode))
  );
}

/**
 * The dossier (with its version) when the caller may see it. Another tenant's
 * dossier answers exactly like a missing one (NOT_FOUND), so its existence is
 * not revealed; the audit log tells the two apart.
 */
export async function visibleApplication(
  ports: IntakePorts,
  caller: Caller,
  dossierRef: string,
  action: string,
): Promise<Versioned<ApplicationRecord>> {
  const found = await findApplication(ports.store, dossierRef);
  const decision = !found ? "not_found" : isVisibleTo(caller, found.data) ? "allowed" : "denied";
  ports.audit({
    clientId: caller.clientId,
    action,
    target: found?.data.dossierId ?? dossierTarget(dossierRef),
    decision,
  });
  if (!found || decision !== "allowed") throw notFound("application", dossierRef);
  return found;
}

/**
 * A dossier as province IT reads it (the operations console): an operator of
 * the province of its receiving unit or its competent authority. Another
 * province's dossier answers like a missing one.
 */
export async function applicationForOperator(
  ports: IntakePorts,
  operator: OfficialIdentity,
  dossierRef: string,
): Promise<ApplicationRecord> {
  const found = await findApplication(ports.store, dossierRef);
  const provinces = found
    ? [found.data.receivingUnitCode, found.data.competentAuthorityCode ?? ""].map((unit) =>
        ports.units.provinceOf(unit),
      )
    : [];
  const decision = !found
    ? "not_found"
    : provinces.some((province) => province !== undefined && operator.unitCodes.has(province))
      ? "allowed"
      : "denied";
  ports.audit({
    officialId: operator.subject,
    action: "get_as_operator",
    target: found?.data.dossierId ?? dossierTarget(dossierRef),
    decision,
  });
  if (!found || decision !== "allowed") throw notFound("application", dossierRef);
  return found.data;
}
