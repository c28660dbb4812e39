// The reference data lives beside the repository (../shared/data), is never
// committed, and may be absent on a fresh clone: tests that need it run when
// it is there, fail under CI=true when it is not, and are todo otherwise.
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const SHARED_DATA_DIR = resolve(__dirname, "../../../../shared/data");

export function sharedDataFile(name: string): string {
  return resolve(SHARED_DATA_DIR, name);
}

export function describeWithSharedData(file: string, title: string, body: (path: string) => void): void {
  const path = sharedDataFile(file);
  if (existsSync(path)) {
    describe(title, () => body(path));
  } else if (process.env.CI === "true") {
    test(title, () => {
      throw new Error(`${path} is missing: the reference data must be present under CI`);
    });
  } else {
    test.todo(`${title} (needs ${path})`);
  }
}
