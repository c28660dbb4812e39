import { describe, test } from "@jest/globals";
import { kcatAvailable } from "./kafka-mock";

/**
 * Kafka tests need kcat (it starts the mock cluster and is the independent
 * reader). Under CI=true a missing kcat is a failure: .ci/run installs it, so
 * its absence means a broken build machine. Elsewhere the tests are reported
 * as not run.
 */
const MISSING_IN_CI =
  "kcat is required when CI=true (the Kafka tests run against its mock cluster): apt-get install kcat";

/** True when kcat is available; false when it is not; throws when it is not and CI=true. */
export function requireKcat(): boolean {
  if (kcatAvailable()) return true;
  if (process.env.CI === "true") throw new Error(MISSING_IN_CI);
  return false;
}

/**
 * describe() when kcat is available. Without it: under CI=true one failing
 * test in the suite's place; elsewhere a test.todo saying why it did not run.
 */
export function describeWithKafka(name: string, body: () => void): void {
  if (kcatAvailable()) {
    describe(name, body);
  } else if (process.env.CI === "true") {
    test(name, () => {
      throw new Error(MISSING_IN_CI);
    });
  } else {
    test.todo(`${name} — not run: kcat is not installed`);
  }
}
