/**
 * `lienthong import units`: the national list of provinces and commune-level
 * units (province → Wards[]).
 */
import {
  importUnits,
  loadUnitsFile,
  type AdministrativeUnits,
  type CommuneKind,
  type ProvinceKind,
} from "@lienthong/domain";
import { invalid, type ImportValidation } from "./import-report";
import { formatCount, table } from "./table";
import type { ProgressFactory } from "./import-progress";

const PROVINCE_KIND_IDS: Record<ProvinceKind, number> = { city: 1, province: 2 };
const COMMUNE_KIND_IDS: Record<CommuneKind, number> = { phuong: 3, xa: 4, dac_khu: 5 };
const COMMUNE_KIND_LABELS: Record<CommuneKind, string> = { xa: "xã", phuong: "phường", dac_khu: "đặc khu" };

export function validateUnits(data: unknown, progress: ProgressFactory): ImportValidation {
  const bar = progress("provinces", Array.isArray(data) ? data.length : 0);
  const { units, report } = importUnits(data, {
    onProvince: (label, problems) => bar.tick(`${label}${problems > 0 ? ` (${problems} problems so far)` : ""}`),
  });
  bar.stop();
  const summary = summarise(units);
  if (!report.ok) return invalid(report.issues, summary);
  if (report.counts.provinces === 0)
    return invalid(
      [
        {
          entry: "(root)",
          field: "(root)",
          reason: "no provinces: installing it would leave the services without units",
        },
      ],
      summary,
    );
  return {
    ok: true,
    issues: [],
    summary,
    lines: describe(units),
    normalised: normalise(units),
    verify: (path) => {
      const installed = loadUnitsFile(path).counts();
      if (installed.communes !== report.counts.communes || installed.provinces !== report.counts.provinces) {
        throw new Error(
          `units written to ${path} read back as ${installed.provinces} provinces / ${installed.communes} units, not ${report.counts.provinces} / ${report.counts.communes}`,
        );
      }
    },
  };
}

function perProvince(units: AdministrativeUnits): { code: string; name: string; units: number }[] {
  const counts = units.counts().communesByProvince;
  return units
    .provinces()
    .map((p) => ({ code: p.code, name: p.name, units: counts[p.code] ?? 0 }))
    .sort((a, b) => a.code.localeCompare(b.code));
}

function summarise(units: AdministrativeUnits): Record<string, unknown> {
  const counts = units.counts();
  return {
    provinces: counts.provinces,
    units: counts.communes,
    byKind: counts.byKind,
    perProvince: perProvince(units),
  };
}

function describe(units: AdministrativeUnits): string[] {
  const counts = units.counts();
  const rows = perProvince(units).map((p) => [p.code, p.name, p.units]);
  rows.push(["", `total: ${formatCount(counts.provinces)} provinces`, counts.communes]);
  const byKind = (Object.keys(COMMUNE_KIND_LABELS) as CommuneKind[]).map(
    (kind) => `${formatCount(counts.byKind[kind])} ${COMMUNE_KIND_LABELS[kind]}`,
  );
  return [
    `${formatCount(counts.provinces)} provinces, ${formatCount(counts.communes)} commune-level units`,
    table(["code", "province", "units"], rows, [2]),
    `by kind: ${byKind.join(", ")}`,
  ];
}

/** Back to the national format, keeping only the fields the services read. */
function normalise(units: AdministrativeUnits): unknown {
  return units
    .provinces()
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((p) => ({
      Code: p.code,
      Name: p.name,
      FullName: p.fullName,
      AdministrativeUnitId: PROVINCE_KIND_IDS[p.kind],
      Wards: units.communesOf(p.code).map((c) => ({
        Code: c.code,
        Name: c.name,
        FullName: c.fullName,
        ProvinceCode: c.provinceCode,
        AdministrativeUnitId: COMMUNE_KIND_IDS[c.kind],
      })),
    }));
}
