import { loadReferenceData, type ReferenceData } from "@lienthong/domain";
import { envOptionalString } from "./config";

/** Environment variables naming operator reference files; without them `<DATA_DIR>/reference/` or the built-in samples serve. */
export const referenceDataEnv = {
  UNITS_FILE: envOptionalString(),
  CATALOG_FILE: envOptionalString(),
  CALENDAR_OVERRIDES_FILE: envOptionalString(),
  UNIT_MERGES_FILE: envOptionalString(),
};

export interface ReferenceDataEnvValues {
  DATA_DIR: string;
  UNITS_FILE?: string;
  CATALOG_FILE?: string;
  CALENDAR_OVERRIDES_FILE?: string;
  UNIT_MERGES_FILE?: string;
}

export function referenceDataFrom(env: ReferenceDataEnvValues): ReferenceData {
  return loadReferenceData({
    dataDir: env.DATA_DIR,
    unitsFile: env.UNITS_FILE,
    catalogFile: env.CATALOG_FILE,
    calendarOverridesFile: env.CALENDAR_OVERRIDES_FILE,
    mergesFile: env.UNIT_MERGES_FILE,
  });
}
