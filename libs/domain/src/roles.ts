/**
 * Who may do what, as data (ARCHITECTURE.md §5): the roles an official's
 * token can carry. What each role may do to a dossier is in the workflow
 * table (workflow.ts, `actor`); the operator and auditor roles open the
 * operations and audit endpoints. A province maps its identity provider's
 * groups onto these names.
 */
export const ROLES = {
  /** Cán bộ tiếp nhận: checks an application at the receiving unit (accept, refuse, ask for a supplement). */
  receiving_officer: "Receiving officer",
  /** Cán bộ xử lý: processes a dossier at the competent authority. */
  processing_official: "Processing official",
  /** Lãnh đạo: decides and signs results for the competent authority. */
  leader: "Leader",
  /** Cán bộ trả kết quả: hands the result to the applicant. */
  result_clerk: "Result clerk",
  /** Signs a document an official brings (not a decision's result) with their own key. */
  document_signer: "Document signer",
  /** Province IT: operations endpoints, dead-letter replay, reference-data imports. */
  operator: "Operator",
  /** Reads the audit log. */
  auditor: "Auditor",
} as const;
export type Role = keyof typeof ROLES;

export const roleNames = Object.keys(ROLES) as Role[];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(ROLES, value);
}
