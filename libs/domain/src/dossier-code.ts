/**
 * Dossier code (mã hồ sơ): `<receiving agency code>-<yyMMdd>-<4-digit sequence>`,
 * e.g. `000.00.06.H56-231027-0361`; a unit without a configured agency code
 * (agency-codes.ts) prints its unit code, e.g. `14845-231027-0001`. The
 * sequence restarts every Vietnam calendar day for each receiving unit;
 * storage allocates it atomically under the key given by `dossierSequenceKey`.
 */
import { invalidField } from "@lienthong/errors";
import { toVietnamParts } from "./time";

export const DOSSIER_CODE_PATTERN = /^[0-9A-Z.]{1,35}-\d{6}-\d{4}$/;
/** Agency code (Decision 20/2020/QĐ-TTg): ≤ 35 chars, dot-separated groups of 0-9A-Z. */
export const AGENCY_CODE_PATTERN = /^[0-9A-Z]+(\.[0-9A-Z]+)*$/;
export const MAX_DAILY_SEQUENCE = 9999;

export interface ParsedDossierCode {
  agencyCode: string;
  /** yyMMdd, Vietnam time */
  date: string;
  sequence: number;
}

export function isAgencyCode(value: string): boolean {
  return value.length <= 35 && AGENCY_CODE_PATTERN.test(value);
}

function assertAgencyCode(value: string): void {
  if (!isAgencyCode(value)) {
    throw invalidField("receivingAgencyCode", "must be ≤ 35 characters of dot-separated 0-9A-Z groups");
  }
}

/** yyMMdd of the Vietnam calendar day of `date`. */
export function dossierDatePart(date: Date): string {
  const { year, month, day } = toVietnamParts(date);
  return `${String(year % 100).padStart(2, "0")}${String(month).padStart(2, "0")}${String(day).padStart(2, "0")}`;
}

export function formatDossierCode(receivingAgencyCode: string, receivedAt: Date, sequence: number): string {
  assertAgencyCode(receivingAgencyCode);
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > MAX_DAILY_SEQUENCE) {
    throw invalidField("sequence", `must be an integer from 1 to ${MAX_DAILY_SEQUENCE}`);
  }
  return `${receivingAgencyCode}-${dossierDatePart(receivedAt)}-${String(sequence).padStart(4, "0")}`;
}

/** undefined when `code` is not a well-formed dossier code. */
export function parseDossierCode(code: string): ParsedDossierCode | undefined {
  if (!DOSSIER_CODE_PATTERN.test(code)) return undefined;
  const [agencyCode, date, sequence] = code.split("-") as [string, string, string];
  if (!isAgencyCode(agencyCode)) return undefined;
  const month = Number(date.slice(2, 4));
  const day = Number(date.slice(4, 6));
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const seq = Number(sequence);
  if (seq < 1) return undefined;
  return { agencyCode, date, sequence: seq };
}

/**
 * The id of the daily counter: `<agency>:<yyMMdd>`, keyed by the code printed,
 * not by the unit: a code is unique because its own prefix's counter only
 * goes up, even when a unit's prefix changes during the day.
 */
export function dossierSequenceKey(receivingAgencyCode: string, receivedAt: Date): string {
  assertAgencyCode(receivingAgencyCode);
  return `${receivingAgencyCode}:${dossierDatePart(receivedAt)}`;
}
