import { platformService } from "@lienthong/contracts";
import {
  calendarWithProvinces,
  parseProvinceCalendars,
  type ReferenceData,
  type WorkingCalendar,
} from "@lienthong/domain";
import { envBoolean, envInteger, envOptionalString, readConfiguredJson, serviceEnv } from "@lienthong/service-host";

/** routing's environment: the common variables (clients, identity provider, reference data) and the workflow's choices. */
export const routingEnv = serviceEnv(platformService("routing"), {
  // Accept every application without an official's intake check (the behaviour before officials' actions).
  AUTO_ACCEPT: envBoolean(false),
  // How often the deadline watcher looks for due timers.
  DEADLINE_POLL_INTERVAL_MS: envInteger(30_000, 10, 3_600_000),
  DUE_SOON_WORKING_HOURS: envInteger(8, 0, 200),
  // Whether only one new date may be given is unconfirmed (DOMAIN.md §2).
  APOLOGY_MAX: envInteger(1, 0, 20),
  // 0: an apology adds the procedure's processing time again from detection.
  APOLOGY_EXTENSION_WORKING_DAYS: envInteger(0, 0, 365),
  // Per-province working hours and the provinces' own days off and working days (JSON, README "Working hours").
  PROVINCE_CALENDARS_FILE: envOptionalString(),
});

/**
 * The calendar deadlines are counted on: the reference data's (statutory
 * holidays and the decision table in force) with PROVINCE_CALENDARS_FILE on
 * top. A file that cannot be read or is wrong refuses the start, each issue
 * naming the variable and the field in the file; values are not repeated.
 */
export function routingCalendar(
  env: { PROVINCE_CALENDARS_FILE?: string },
  reference: Pick<ReferenceData, "calendar" | "calendarOverrides" | "units">,
): WorkingCalendar {
  if (!env.PROVINCE_CALENDARS_FILE) return reference.calendar;
  return readConfiguredJson(
    "PROVINCE_CALENDARS_FILE",
    env.PROVINCE_CALENDARS_FILE,
    '{ "provinces": { "<code>": { "workingHours", "overrides" } } }',
    (data) =>
      calendarWithProvinces(
        reference.calendarOverrides,
        parseProvinceCalendars(data, (code) => reference.units.province(code) !== undefined),
      ),
  );
}
