import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { createCalendar, type WorkingCalendar } from "./calendar";
import { KNOWN_CALENDAR_OVERRIDES, parseCalendarOverrides, type CalendarOverrideTable } from "./calendar-overrides";
import type { ProcedureCatalog } from "./catalog";
import { loadCatalogFile } from "./catalog-import";
import { sampleCatalog } from "./catalog-sample";
import { loadCommuneMergesFile, type CommuneMerges } from "./unit-merges";
import { loadUnitsFile, sampleUnits, type AdministrativeUnits } from "./units";

/** Everything a service needs to apply the rules: units, procedures, the working-day calendar, old→new unit mapping. */
export interface ReferenceData {
  units: AdministrativeUnits;
  catalog: ProcedureCatalog;
  calendar: WorkingCalendar;
  /** The decision table `calendar` applies, for a service that layers its own settings on it. */
  calendarOverrides: CalendarOverrideTable;
  /** Undefined until an operator imports the pre-2025 → new mapping. */
  merges: CommuneMerges | undefined;
  /** Where each part came from, for the start-up log ("built-in sample" or a path). */
  sources: Record<"units" | "catalog" | "calendarOverrides" | "merges", string>;
}

export interface ReferenceDataOptions {
  /** The data directory: `<dataDir>/reference/` holds what `lienthong import` installed. */
  dataDir: string;
  unitsFile?: string;
  catalogFile?: string;
  calendarOverridesFile?: string;
  mergesFile?: string;
}

/** File names under `<dataDir>/reference/`, written by the import commands. */
export const REFERENCE_FILES = {
  units: "units.json",
  catalog: "catalog.json",
  calendarOverrides: "calendar-overrides.json",
  merges: "unit-merges.json",
} as const;

export function referenceDirectory(dataDir: string): string {
  return path.resolve(dataDir, "reference");
}

/**
 * The one place that decides where reference data comes from: an explicit
 * file, else what an operator imported into the data directory, else the
 * small built-in samples (so a fresh clone works).
 */
export function loadReferenceData(options: ReferenceDataOptions): ReferenceData {
  const pick = (explicit: string | undefined, name: keyof typeof REFERENCE_FILES): string | undefined => {
    if (explicit) return explicit;
    const installed = path.join(referenceDirectory(options.dataDir), REFERENCE_FILES[name]);
    return existsSync(installed) ? installed : undefined;
  };
  const unitsPath = pick(options.unitsFile, "units");
  const catalogPath = pick(options.catalogFile, "catalog");
  const overridesPath = pick(options.calendarOverridesFile, "calendarOverrides");
  const mergesPath = pick(options.mergesFile, "merges");
  const overrides = overridesPath
    ? parseCalendarOverrides(JSON.parse(readFileSync(overridesPath, "utf8")))
    : KNOWN_CALENDAR_OVERRIDES;
  return {
    units: unitsPath ? loadUnitsFile(unitsPath) : sampleUnits(),
    catalog: catalogPath ? loadCatalogFile(catalogPath) : sampleCatalog(),
    calendar: createCalendar({ overrides: overrides.overrides }),
    calendarOverrides: overrides,
    merges: mergesPath ? loadCommuneMergesFile(mergesPath) : undefined,
    sources: {
      units: unitsPath ?? "built-in sample",
      catalog: catalogPath ?? "built-in sample",
      calendarOverrides: overridesPath ?? "built-in decisions",
      merges: mergesPath ?? "none",
    },
  };
}
