/**
 * The one error type of the messaging lib, shaped like the rest of the
 * platform's errors: a stable code, whether retrying can help, and the cause.
 */
export type MessagingErrorCode =
  "INVALID_CONFIG" | "MISSING_HEADER" | "INVALID_HEADER" | "BUS_CLOSED" | "JOURNAL_MISMATCH";

export class MessagingError extends Error {
  override readonly name = "MessagingError";
  readonly code: MessagingErrorCode;
  readonly retriable: boolean;

  constructor(code: MessagingErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** False only when the error says explicitly that retrying cannot help. */
export function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable !== false;
}
