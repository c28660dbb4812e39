/**
 * The logging surface the messaging lib needs: a subset of pino's API, so a
 * service passes its pino logger as is. Objects carry ids only, never payloads.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** For callers that do not want messaging logs (tests, one-shot tools). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
