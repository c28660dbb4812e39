import { AGENCY_MARK_GROUP, DOSSIER_CODE_PATTERN } from "@lienthong/domain";

/**
 * How the audit log names what a decision was about (audit-chain.ts: ids
 * only). A value a caller sent is recorded only when it has the shape of the
 * id it stands for, else as MALFORMED_TARGET: the log is append-only and
 * hash-chained, and a caller may type anything — a citizen's id included —
 * where a dossier code is expected.
 */
export const MALFORMED_TARGET = "malformed-id";

/** Ids the platform makes (a dossier's, a signed document's): randomUUID(). */
const UUID_SHAPE = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/;
/** A dossier's code (000.00.06.H56-231027-0361) or id. */
const DOSSIER_REF_SHAPE = new RegExp(`${DOSSIER_CODE_PATTERN.source}|${UUID_SHAPE.source}`);
/**
 * A province (38), a commune (14845) or an agency (38.CA, 38.BQLKKTNSCKCN: a
 * catalog's stand-in mark, the domain's group): never 12 digits, a citizen's id.
 */
const UNIT_CODE_SHAPE = new RegExp(`^(\\d{2}|\\d{5})(\\.${AGENCY_MARK_GROUP}){0,3}$`);

/** A dossier by its code or id, as the caller named it. */
export function dossierTarget(ref: string): string {
  return DOSSIER_REF_SHAPE.test(ref) ? ref : MALFORMED_TARGET;
}

/** Whether a value has the shape of an id the platform makes (a signed document's, a dossier's). */
export function isPlatformId(value: string): boolean {
  return UUID_SHAPE.test(value);
}

/** A signed document by its id. */
export function documentTarget(id: string): string {
  return isPlatformId(id) ? id : MALFORMED_TARGET;
}

/** A unit or agency: "unit:<code>". */
export function unitTarget(code: string): string {
  return UNIT_CODE_SHAPE.test(code) ? `unit:${code}` : MALFORMED_TARGET;
}
