import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** What this process (every thread of it) has open at or under `path`, from /proc (Linux). */
export function openFilesUnder(path: string): string[] {
  return readdirSync("/proc/self/fd").flatMap((fd) => {
    try {
      const target = readlinkSync(join("/proc/self/fd", fd));
      return target.startsWith(path) ? [target] : [];
    } catch {
      // Closed since the listing.
      return [];
    }
  });
}
