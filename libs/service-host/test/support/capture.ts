import { type Logger, createLogger } from "@lienthong/service-host";

export type LogLine = Record<string, unknown>;

/** A real logger writing into memory, for asserting what reaches the logs. */
export function captureLogger(
  service: string,
  level = "info",
): { logger: Logger; lines: string[]; entries: () => LogLine[] } {
  const lines: string[] = [];
  const logger = createLogger({ service, level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line) as LogLine) };
}
