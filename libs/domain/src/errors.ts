/**
 * The one error type of the domain rules. `code` is stable and maps onto gRPC
 * status codes / problem+json types in each transport; `retriable` is always
 * false here because a rule broken once stays broken on retry.
 */
export type DomainErrorCode = "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "NOT_FOUND";

export interface FieldViolation {
  field: string;
  reason: string;
}

export class DomainError extends Error {
  readonly retriable = false;
  readonly field: string | undefined;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options: { field?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.field = options.field;
  }
}

/** Input rejected with one violation per offending field (INVALID_ARGUMENT). */
export class ValidationError extends DomainError {
  constructor(
    message: string,
    readonly violations: FieldViolation[],
  ) {
    super("INVALID_ARGUMENT", message, violations.length === 1 ? { field: violations[0]?.field } : {});
  }
}

export function invalidArgument(field: string, reason: string): ValidationError {
  return new ValidationError(`${field}: ${reason}`, [{ field, reason }]);
}
