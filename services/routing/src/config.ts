import { platformService } from "@lienthong/contracts";
import { envBoolean, envInteger, referenceDataEnv, serviceEnv } from "@lienthong/service-host";

/** routing's environment: the common variables, where the reference data comes from, and the workflow's choices. */
export const routingEnv = serviceEnv(platformService("routing"), {
  ...referenceDataEnv,
  // Accept every application without an official's intake check (the behaviour before officials' actions).
  AUTO_ACCEPT: envBoolean(false),
  // How often the deadline watcher looks for due timers.
  DEADLINE_POLL_INTERVAL_MS: envInteger(30_000, 10, 3_600_000),
  DUE_SOON_WORKING_HOURS: envInteger(8, 0, 200),
  // Whether only one new date may be given is unconfirmed (DOMAIN.md §2).
  APOLOGY_MAX: envInteger(1, 0, 20),
  // 0: an apology adds the procedure's processing time again from detection.
  APOLOGY_EXTENSION_WORKING_DAYS: envInteger(0, 0, 365),
});
