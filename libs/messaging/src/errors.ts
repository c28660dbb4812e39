import { PlatformError, type ErrorCode } from "@lienthong/errors";

/**
 * What the messaging lib refuses, as platform errors whose `reason` is one of
 * these names. The platform code follows from the reason: a record that is
 * not a CloudEvent is bad input (never retried), a closed bus is unavailable
 * (a later delivery may succeed), a misconfiguration is internal.
 */
export type MessagingErrorCode =
  | "INVALID_CONFIG"
  | "MISSING_HEADER"
  | "INVALID_HEADER"
  | "BUS_CLOSED"
  | "BUS_UNAVAILABLE"
  | "JOURNAL_MISMATCH"
  | "JOURNAL_CANNOT_WRITE";

const platformCodeOf: Record<MessagingErrorCode, ErrorCode> = {
  INVALID_CONFIG: "INTERNAL",
  MISSING_HEADER: "INVALID_ARGUMENT",
  INVALID_HEADER: "INVALID_ARGUMENT",
  BUS_CLOSED: "UNAVAILABLE",
  BUS_UNAVAILABLE: "UNAVAILABLE",
  JOURNAL_MISMATCH: "INTERNAL",
  // A full disk: a later write may succeed once space is freed.
  JOURNAL_CANNOT_WRITE: "UNAVAILABLE",
};

export class MessagingError extends PlatformError {
  constructor(reason: MessagingErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(platformCodeOf[reason], message, { reason, cause: options.cause });
  }
}
