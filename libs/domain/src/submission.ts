/**
 * Checks an application's form against the procedure's form schema. Reasons
 * never contain the submitted values: they are personal data.
 */
import { z } from "zod";
import type { FormField, Procedure } from "./catalog";
import { invalidArgument, type FieldViolation } from "@lienthong/errors";

export type SubmissionCheck =
  { ok: true; values: Record<string, string> } | { ok: false; violations: FieldViolation[] };

function fieldSchema(field: FormField): z.ZodType<string | undefined> {
  let text = z.string({ error: "must be text" }).trim();
  if (field.required) text = text.min(1, { error: "is required" });
  if (field.pattern !== undefined) {
    const pattern = new RegExp(field.pattern);
    const matches = text.refine((value) => value === "" || pattern.test(value), {
      error: `does not match the expected format of ${field.label}`,
    });
    return field.required ? matches : matches.optional();
  }
  return field.required ? text : text.optional();
}

const schemas = new WeakMap<Procedure, z.ZodType<Record<string, string | undefined>>>();

function formSchema(procedure: Procedure): z.ZodType<Record<string, string | undefined>> {
  let schema = schemas.get(procedure);
  if (!schema) {
    const shape = Object.fromEntries(procedure.formFields.map((field) => [field.name, fieldSchema(field)]));
    schema = z.strictObject(shape, {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `not a field of procedure ${procedure.code}`
          : "must be an object of fields",
    });
    schemas.set(procedure, schema);
  }
  return schema;
}

export function validateSubmission(procedure: Procedure, formFields: unknown): SubmissionCheck {
  const required = new Set(procedure.formFields.filter((f) => f.required).map((f) => f.name));
  const result = formSchema(procedure).safeParse(formFields);
  if (result.success) {
    const values = Object.fromEntries(
      Object.entries(result.data).filter(
        (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "",
      ),
    );
    return { ok: true, values };
  }
  const violations: FieldViolation[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        violations.push({ field: key, reason: `not a field of procedure ${procedure.code}` });
      continue;
    }
    const field = issue.path.map(String).join(".") || "(form)";
    // A missing required field reaches zod as "expected string, received undefined".
    const reason =
      required.has(field) &&
      issue.code === "invalid_type" &&
      (formFields as Record<string, unknown> | null)?.[field] === undefined
        ? "is required"
        : issue.message;
    violations.push({ field, reason });
  }
  return { ok: false, violations };
}

/** Like validateSubmission, but throws INVALID_ARGUMENT with one violation per field. */
export function assertValidSubmission(procedure: Procedure, formFields: unknown): Record<string, string> {
  const check = validateSubmission(procedure, formFields);
  if (!check.ok) {
    throw invalidArgument(
      check.violations,
      `application for ${procedure.code}: ${check.violations.map((v) => `${v.field} ${v.reason}`).join("; ")}`,
    );
  }
  return check.values;
}
