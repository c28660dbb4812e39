import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { replaceSection } from "./generated-section";
import { platformSections } from "./sections";

export interface SyncReport {
  /** Files whose generated sections differed from the service list (rewritten unless checking). */
  stale: string[];
}

/**
 * Brings every generated region in line with the platform's service list.
 * With `check`, writes nothing and reports what is stale (CI fails on it).
 */
export function syncPlatformFiles(root: string, options: { check?: boolean } = {}): SyncReport {
  const stale: string[] = [];
  const texts = new Map<string, string>();
  for (const section of platformSections(root)) {
    const file = path.join(root, section.file);
    const before = texts.get(file) ?? readFileSync(file, "utf8");
    texts.set(file, replaceSection(before, section));
  }
  for (const [file, text] of texts) {
    if (readFileSync(file, "utf8") === text) continue;
    stale.push(path.relative(root, file));
    if (!options.check) writeFileSync(file, text);
  }
  return { stale };
}
