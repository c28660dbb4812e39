import { readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * The platform's release: every package carries the platform's version, so
 * the host's own is the one each service reports (readiness, API documents).
 */
export const PLATFORM_VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string }
).version;
