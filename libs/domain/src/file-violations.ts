/**
 * How a deployment file's problems are told (agency codes, receiving units, calendars): each violation names its
 * field in the file, and the error's message lists every one after the file's subject, so the operator fixes the
 * file in one pass. Internal to the domain's parsers.
 */
import { invalidArgument, type FieldViolation, type PlatformError } from "@lienthong/errors";

/**
 * A zod issue's path as the field it names: `provinces.38.centres.0.code`, or with `indexes: "brackets"` (the
 * calendars' tables) `provinces.38.overrides[0].date`; the whole file is "(root)".
 */
export function fieldOfPath(path: readonly PropertyKey[], indexes: "dots" | "brackets" = "dots"): string {
  const field =
    indexes === "dots"
      ? path.map(String).join(".")
      : path
          .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
          .join("")
          .replace(/^\./, "");
  return field || "(root)";
}

/** INVALID_ARGUMENT with every violation, its message "<subject>: <field> <reason>; …". */
export function invalidFile(subject: string, violations: FieldViolation[]): PlatformError {
  return invalidArgument(
    violations,
    `${subject}: ${violations.map((violation) => `${violation.field} ${violation.reason}`).join("; ")}`,
  );
}
