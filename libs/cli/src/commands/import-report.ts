/** One problem in an operator's file: where it is, which field, and why. */
export interface ImportIssue {
  entry: string;
  field: string;
  reason: string;
}

/** What validating one reference file found, and what would be installed. */
export interface ImportValidation {
  ok: boolean;
  issues: ImportIssue[];
  /** Figures for `--json`. */
  summary: Record<string, unknown>;
  /** The same figures for people: lines and tables. */
  lines: string[];
  /** Normalised content in the format the services' loader reads; only when ok. */
  normalised?: unknown;
  /**
   * Reads a written file back with the loader the services use, so a file
   * they would reject at start is never installed.
   */
  verify: (path: string) => void;
}

export function invalid(issues: ImportIssue[], summary: Record<string, unknown> = {}): ImportValidation {
  return { ok: false, issues, summary, lines: [], verify: () => undefined };
}

/** Splits a domain violation path such as `overrides[3].date` into the entry and the field. */
export function splitIndexedPath(path: string): { entry: string; field: string } {
  const match = /^(.*\])\.?(.*)$/.exec(path);
  if (!match) return { entry: "(root)", field: path };
  return { entry: match[1] ?? path, field: match[2] || "(entry)" };
}
