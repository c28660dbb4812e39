import { invalidArgument, type FieldViolation } from "@lienthong/errors";
import type { z } from "zod";

/** Validates a request with its schema; every problem becomes a field violation (INVALID_ARGUMENT). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const violations: FieldViolation[] = parsed.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join(".") : "body",
    reason: issue.message,
  }));
  throw invalidArgument(violations);
}
