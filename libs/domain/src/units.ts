/**
 * Administrative units of the two-tier model (since 1 July 2025): 34 provinces
 * / centrally-run cities and 3,321 commune-level units. The national list is
 * data read from a file the operator provides; `sampleUnits()` is a small
 * built-in sample so a fresh clone works without it.
 */
import { readFileSync } from "node:fs";
import { PlatformError, type FieldViolation } from "@lienthong/errors";

export type ProvinceKind = "city" | "province";
export type CommuneKind = "phuong" | "xa" | "dac_khu";

export interface Province {
  /** 2 digits */
  code: string;
  name: string;
  fullName: string;
  kind: ProvinceKind;
}

export interface Commune {
  /** 5 digits */
  code: string;
  name: string;
  fullName: string;
  provinceCode: string;
  kind: CommuneKind;
}

export interface UnitCounts {
  provinces: number;
  communes: number;
  communesByProvince: Record<string, number>;
  byKind: Record<CommuneKind, number>;
}

const PROVINCE_CODE = /^\d{2}$/;
const COMMUNE_CODE = /^\d{5}$/;

export class AdministrativeUnits {
  private readonly provincesByCode = new Map<string, Province>();
  private readonly communesByCode = new Map<string, Commune>();
  private readonly communesByProvince = new Map<string, Commune[]>();

  /** Throws INVALID_ARGUMENT naming the entry on a malformed code, duplicate or dangling province. */
  constructor(provinces: readonly Province[], communes: readonly Commune[]) {
    for (const province of provinces) {
      if (!PROVINCE_CODE.test(province.code))
        throw unitError(`province "${province.name}": code "${province.code}" must be 2 digits`);
      if (this.provincesByCode.has(province.code)) throw unitError(`province ${province.code}: duplicate code`);
      this.provincesByCode.set(province.code, province);
      this.communesByProvince.set(province.code, []);
    }
    for (const commune of communes) {
      if (!COMMUNE_CODE.test(commune.code))
        throw unitError(`commune "${commune.fullName}": code "${commune.code}" must be 5 digits`);
      if (this.communesByCode.has(commune.code)) throw unitError(`commune ${commune.code}: duplicate code`);
      const siblings = this.communesByProvince.get(commune.provinceCode);
      if (!siblings) throw unitError(`commune ${commune.code}: unknown province "${commune.provinceCode}"`);
      this.communesByCode.set(commune.code, commune);
      siblings.push(commune);
    }
  }

  province(code: string): Province | undefined {
    return this.provincesByCode.get(code);
  }

  commune(code: string): Commune | undefined {
    return this.communesByCode.get(code);
  }

  /**
   * The province a unit belongs to: a commune's, or the province itself for a
   * province-level code (38) or one of its agencies (38.CA); undefined for a
   * code the list does not know. The one rule for "whose province is this".
   */
  provinceOf(unitCode: string): string | undefined {
    return this.commune(unitCode)?.provinceCode ?? this.province(unitCode.split(".")[0] ?? "")?.code;
  }

  provinces(): Province[] {
    return [...this.provincesByCode.values()];
  }

  communesOf(provinceCode: string): Commune[] {
    return [...(this.communesByProvince.get(provinceCode) ?? [])];
  }

  counts(): UnitCounts {
    const byKind: Record<CommuneKind, number> = { phuong: 0, xa: 0, dac_khu: 0 };
    for (const commune of this.communesByCode.values()) byKind[commune.kind] += 1;
    return {
      provinces: this.provincesByCode.size,
      communes: this.communesByCode.size,
      communesByProvince: Object.fromEntries([...this.communesByProvince].map(([code, list]) => [code, list.length])),
      byKind,
    };
  }
}

function unitError(message: string): PlatformError {
  return new PlatformError("INVALID_ARGUMENT", message);
}

/** One problem found while importing a units file; `entry` says where. */
export interface UnitsImportIssue extends FieldViolation {
  /** e.g. `[12] 38 Thanh Hoá / Wards[3] 14845` */
  entry: string;
}

export interface UnitsImportReport {
  ok: boolean;
  counts: UnitCounts;
  issues: UnitsImportIssue[];
}

const PROVINCE_KINDS: Record<number, ProvinceKind> = { 1: "city", 2: "province" };
const COMMUNE_KINDS: Record<number, CommuneKind> = { 3: "phuong", 4: "xa", 5: "dac_khu" };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads the national units format (province → Wards[]; fields Code, Name,
 * FullName, ProvinceCode, AdministrativeUnitId). Every problem is collected,
 * never just the first; valid entries are kept so the report counts them.
 */
export function importUnits(
  data: unknown,
  options: {
    /** Called once per province read, with the problems found so far (progress displays). */ onProvince?: (
      label: string,
      problemsSoFar: number,
    ) => void;
  } = {},
): { units: AdministrativeUnits; report: UnitsImportReport } {
  const issues: UnitsImportIssue[] = [];
  const provinces: Province[] = [];
  const communes: Commune[] = [];
  const seenProvinces = new Set<string>();
  const seenCommunes = new Set<string>();
  if (!Array.isArray(data)) {
    issues.push({ entry: "(root)", field: "(root)", reason: "must be an array of provinces" });
  }
  const list: unknown[] = Array.isArray(data) ? data : [];
  list.forEach((raw, index) => {
    readProvince(raw, index);
    const text = (value: unknown, fallback: string) => (typeof value === "string" ? value : fallback);
    const label = isRecord(raw) ? `${text(raw.Code, "?")} ${text(raw.Name, "")}`.trim() : "?";
    options.onProvince?.(label, issues.length);
  });
  function readProvince(raw: unknown, index: number): void {
    const where = `[${index}]`;
    if (!isRecord(raw)) {
      issues.push({ entry: where, field: "(entry)", reason: "must be an object" });
      return;
    }
    const code = raw.Code;
    const entry =
      `${where} ${typeof code === "string" ? code : "?"} ${typeof raw.Name === "string" ? raw.Name : ""}`.trim();
    const problems = issues.length;
    if (typeof code !== "string" || !PROVINCE_CODE.test(code))
      issues.push({ entry, field: "Code", reason: "must be a 2-digit string" });
    else if (seenProvinces.has(code)) issues.push({ entry, field: "Code", reason: "duplicate province code" });
    for (const field of ["Name", "FullName"] as const) {
      if (typeof raw[field] !== "string" || raw[field] === "")
        issues.push({ entry, field, reason: "must be a non-empty string" });
    }
    const kind = PROVINCE_KINDS[raw.AdministrativeUnitId as number];
    if (!kind) issues.push({ entry, field: "AdministrativeUnitId", reason: "must be 1 (city) or 2 (province)" });
    if (!Array.isArray(raw.Wards)) issues.push({ entry, field: "Wards", reason: "must be an array" });
    if (issues.length > problems || typeof code !== "string" || !kind) return;
    seenProvinces.add(code);
    provinces.push({ code, name: raw.Name as string, fullName: raw.FullName as string, kind });
    (raw.Wards as unknown[]).forEach((ward, wardIndex) => {
      const wardWhere = `${entry} / Wards[${wardIndex}]`;
      if (!isRecord(ward)) {
        issues.push({ entry: wardWhere, field: "(entry)", reason: "must be an object" });
        return;
      }
      const wardCode = ward.Code;
      const wardEntry = `${wardWhere} ${typeof wardCode === "string" ? wardCode : "?"}`;
      const before = issues.length;
      if (typeof wardCode !== "string" || !COMMUNE_CODE.test(wardCode))
        issues.push({ entry: wardEntry, field: "Code", reason: "must be a 5-digit string" });
      else if (seenCommunes.has(wardCode))
        issues.push({ entry: wardEntry, field: "Code", reason: "duplicate commune code" });
      for (const field of ["Name", "FullName"] as const) {
        if (typeof ward[field] !== "string" || ward[field] === "")
          issues.push({ entry: wardEntry, field, reason: "must be a non-empty string" });
      }
      if (ward.ProvinceCode !== code)
        issues.push({
          entry: wardEntry,
          field: "ProvinceCode",
          reason: `must equal the enclosing province code "${code}"`,
        });
      const communeKind = COMMUNE_KINDS[ward.AdministrativeUnitId as number];
      if (!communeKind)
        issues.push({
          entry: wardEntry,
          field: "AdministrativeUnitId",
          reason: "must be 3 (phường), 4 (xã) or 5 (đặc khu)",
        });
      if (issues.length > before || typeof wardCode !== "string" || !communeKind) return;
      seenCommunes.add(wardCode);
      communes.push({
        code: wardCode,
        name: ward.Name as string,
        fullName: ward.FullName as string,
        provinceCode: code,
        kind: communeKind,
      });
    });
  }
  const units = new AdministrativeUnits(provinces, communes);
  return { units, report: { ok: issues.length === 0, counts: units.counts(), issues } };
}

export class UnitsFormatError extends PlatformError {
  constructor(
    readonly path: string,
    readonly issues: UnitsImportIssue[],
  ) {
    const shown = issues.slice(0, 5).map((issue) => `${issue.entry}: ${issue.field} ${issue.reason}`);
    const more = issues.length > 5 ? `; and ${issues.length - 5} more` : "";
    super("INVALID_ARGUMENT", `units file ${path}: ${shown.join("; ")}${more}`);
  }
}

function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new PlatformError(
      "INVALID_ARGUMENT",
      `${what} ${path}: cannot be read as JSON (${(cause as Error).message})`,
      {
        cause,
      },
    );
  }
}

/** Reads a units file and reports per-province counts and every problem, without throwing on bad entries (for import tools). */
export function importUnitsFile(path: string): { units: AdministrativeUnits; report: UnitsImportReport } {
  return importUnits(readJsonFile(path, "units file"));
}

/** Reads and validates a units file; throws UnitsFormatError listing the offending entries. */
export function loadUnitsFile(path: string): AdministrativeUnits {
  const { units, report } = importUnitsFile(path);
  if (!report.ok) throw new UnitsFormatError(path, report.issues);
  return units;
}

/**
 * A hand-written sample of real units (codes and names as in the national
 * list of 2026-07-25): enough for demos and tests without the full file.
 */
export function sampleUnits(): AdministrativeUnits {
  const provinces: Province[] = [
    { code: "01", name: "Hà Nội", fullName: "Thành phố Hà Nội", kind: "city" },
    { code: "22", name: "Quảng Ninh", fullName: "Tỉnh Quảng Ninh", kind: "province" },
    { code: "33", name: "Hưng Yên", fullName: "Tỉnh Hưng Yên", kind: "province" },
    { code: "38", name: "Thanh Hoá", fullName: "Tỉnh Thanh Hoá", kind: "province" },
  ];
  const c = (code: string, name: string, fullName: string, provinceCode: string, kind: CommuneKind): Commune => ({
    code,
    name,
    fullName,
    provinceCode,
    kind,
  });
  const communes: Commune[] = [
    c("00004", "Ba Đình", "Phường Ba Đình", "01", "phuong"),
    c("00008", "Ngọc Hà", "Phường Ngọc Hà", "01", "phuong"),
    c("00070", "Hoàn Kiếm", "Phường Hoàn Kiếm", "01", "phuong"),
    c("00376", "Sóc Sơn", "Xã Sóc Sơn", "01", "xa"),
    c("06994", "Vân Đồn", "Đặc khu Vân Đồn", "22", "dac_khu"),
    c("07192", "Cô Tô", "Đặc khu Cô Tô", "22", "dac_khu"),
    c("11953", "Phố Hiến", "Phường Phố Hiến", "33", "phuong"),
    c("11977", "Tân Hưng", "Xã Tân Hưng", "33", "xa"),
    c("11980", "Hồng Châu", "Phường Hồng Châu", "33", "phuong"),
    c("12004", "Như Quỳnh", "Xã Như Quỳnh", "33", "xa"),
    c("14758", "Hàm Rồng", "Phường Hàm Rồng", "38", "phuong"),
    c("14797", "Hạc Thành", "Phường Hạc Thành", "38", "phuong"),
    c("14845", "Mường Lát", "Xã Mường Lát", "38", "xa"),
    c("14848", "Tam Chung", "Xã Tam Chung", "38", "xa"),
    c("14854", "Mường Lý", "Xã Mường Lý", "38", "xa"),
    c("14857", "Trung Lý", "Xã Trung Lý", "38", "xa"),
  ];
  return new AdministrativeUnits(provinces, communes);
}
