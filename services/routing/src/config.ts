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
  // Supplement requests one dossier may get: "only once, listing everything at once" (Decree 118/2025/NĐ-CP
  // Art. 11(2), DOMAIN.md §10 [C]); a province whose practice differs raises it.
  SUPPLEMENT_MAX: envInteger(1, 1, 20),
  // Working days the applicant has to supply the missing items, on the authority's province's calendar; 0 = no
  // deadline. DOMAIN.md names no statutory figure [U], so a setting; past it the dossier is flagged, never refused.
  SUPPLEMENT_DEADLINE_WORKING_DAYS: envInteger(0, 0, 60),
  // Where a province's practice allows it, the receiving unit asks for a supplement before accepting (status 1 →
  // 5 → 1, the clock not started); off, the statute's table (DOMAIN.md §2).
  SUPPLEMENT_BEFORE_ACCEPTANCE: envBoolean(false),
  // Apologies (new appointments) one dossier may get: "the new date may be set only once" is seen in
  // practice, not confirmed (DOMAIN.md §2, §10 [S]), hence a setting with that default.
  APOLOGY_MAX: envInteger(1, 0, 20),
  // Working hours before the appointment by which the authority must apologise ("at least 1 working day
  // before the deadline" is seen in practice, DOMAIN.md §10 [S]); 0 = any time before the appointment.
  APOLOGY_MIN_LEAD_WORKING_HOURS: envInteger(0, 0, 200),
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
