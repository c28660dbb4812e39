import {
  RECEIVING_UNIT_CODE_PATTERN,
  termsFor,
  type FormField,
  type MergeTarget,
  type Procedure,
} from "@lienthong/domain";
import { PlatformError, invalidArgument, notFound } from "@lienthong/errors";
import type { IntakePorts } from "./ports";

/** A province, a commune-level unit or a receiving unit above the commune, as the contracts describe it. */
export interface UnitView {
  code: string;
  name: string;
  fullName: string;
  /** A province's or commune's kind (`province`, `xa`…), or `provincial_centre` / `provincial_agency`. */
  kind: string;
  provinceCode: string;
  provinceName: string;
}

const PROVINCE_CODE = /^\d{2}$/;
const OLD_COMMUNE_CODE = /^\d{3,5}$/;

/**
 * A unit by its code: a province, a commune-level unit, or a receiving unit above the commune the deployment names
 * (38.TTPVHCC), so that every `receivingUnitCode` a dossier carries can be read by name.
 */
export function getUnit(ports: IntakePorts, code: string): UnitView {
  if (!PROVINCE_CODE.test(code) && !RECEIVING_UNIT_CODE_PATTERN.test(code)) {
    throw invalidArgument([
      {
        field: "code",
        reason:
          "must be a 2-digit province, a 5-digit commune-level unit or a receiving unit's code such as 38.TTPVHCC",
      },
    ]);
  }
  const province = ports.units.province(code);
  if (province)
    return {
      code,
      name: province.name,
      fullName: province.fullName,
      kind: province.kind,
      provinceCode: code,
      provinceName: province.name,
    };
  const commune = ports.units.commune(code);
  if (!commune) return receivingUnitAboveCommune(ports, code);
  return {
    code,
    name: commune.name,
    fullName: commune.fullName,
    kind: commune.kind,
    provinceCode: commune.provinceCode,
    provinceName: ports.units.province(commune.provinceCode)?.name ?? "",
  };
}

function receivingUnitAboveCommune(ports: IntakePorts, code: string): UnitView {
  const unit = ports.receivingUnits.find(code);
  if (!unit) throw notFound("unit", code);
  return {
    code,
    name: unit.name,
    fullName: unit.name,
    kind: unit.kind,
    provinceCode: unit.provinceCode,
    provinceName: ports.units.province(unit.provinceCode)?.name ?? "",
  };
}

export interface OldUnitResolution {
  resolution: "unique" | "ambiguous" | "unknown";
  candidates: UnitView[];
}

/**
 * A pre-1 July 2025 commune code → the new commune. An old commune split
 * between several new ones is reported as ambiguous with every candidate:
 * its code alone cannot say where an address now belongs.
 */
export function resolveOldUnit(ports: IntakePorts, oldCode: string): OldUnitResolution {
  if (!OLD_COMMUNE_CODE.test(oldCode))
    throw invalidArgument([{ field: "oldCode", reason: "must be a pre-2025 commune code of 3 to 5 digits" }]);
  if (!ports.merges) {
    // 503 until an operator installs the mapping; retrying unchanged will not help before that.
    throw new PlatformError(
      "UNAVAILABLE",
      "No pre-2025 unit mapping is loaded: an operator installs it with `lienthong import unit-merges <file>` or sets UNIT_MERGES_FILE",
      { retriable: false },
    );
  }
  const resolution = ports.merges.resolveOldCommuneCode(oldCode);
  if (resolution.kind === "unknown") return { resolution: "unknown", candidates: [] };
  const targets = resolution.kind === "unique" ? [resolution.commune] : resolution.candidates;
  return { resolution: resolution.kind, candidates: targets.map((target) => unitOfTarget(ports, target)) };
}

/** The units list names the commune when it knows it; the merges file's own name otherwise. */
function unitOfTarget(ports: IntakePorts, target: MergeTarget): UnitView {
  const commune = ports.units.commune(target.code);
  return {
    code: target.code,
    name: commune?.name ?? target.fullName,
    fullName: commune?.fullName ?? target.fullName,
    kind: commune?.kind ?? "",
    provinceCode: target.provinceCode,
    provinceName: ports.units.province(target.provinceCode)?.name ?? "",
  };
}

export interface ProcedureView {
  code: string;
  version: number;
  validFrom: string;
  name: string;
  field: string;
  level: string;
  agencyKind: string;
  /** Cơ quan thực hiện: the deciding agency without its place, as the catalog names it. */
  competentAgency: string;
  /** In person (trực tiếp) and by post. */
  processingTimeValue: number;
  processingTimeUnit: string;
  feeVnd: number;
  /**
   * Online (trực tuyến): the same as in person unless the catalog sets its own;
   * 0, "" and 0 for a procedure not offered online (onlineService "none").
   */
  onlineProcessingTimeValue: number;
  onlineProcessingTimeUnit: string;
  onlineFeeVnd: number;
  /** "full" (toàn trình), "partial" (một phần), "none" (not offered online), or "" when the catalog does not say. */
  onlineService: string;
  legalBasis: string[];
  /** Kết quả thực hiện; "" when the catalog does not say. */
  resultType: string;
  requiredDocuments: string[];
  allowsSuspension: boolean;
  allowsExtension: boolean;
  /** The form schema a submission is checked against. */
  formFields: FormField[];
}

/** The procedure as the contracts describe it (the version valid now); NOT_FOUND when the catalog lacks it. */
export function getProcedure(ports: IntakePorts, code: string): ProcedureView {
  const procedure: Procedure | undefined = ports.catalog.find(code, ports.now());
  if (!procedure) throw notFound("procedure", code);
  const online = procedure.onlineService === "none" ? undefined : termsFor(procedure, "online");
  return {
    code: procedure.code,
    version: procedure.version,
    validFrom: procedure.validFrom,
    name: procedure.name,
    field: procedure.field,
    level: procedure.level,
    agencyKind: procedure.agencyKind,
    competentAgency: ports.catalog.agencyKinds.get(procedure.agencyKind)?.name ?? "",
    processingTimeValue: procedure.processingTime.value,
    processingTimeUnit: procedure.processingTime.unit,
    feeVnd: procedure.fee,
    onlineProcessingTimeValue: online?.processingTime.value ?? 0,
    onlineProcessingTimeUnit: online?.processingTime.unit ?? "",
    onlineFeeVnd: online?.fee ?? 0,
    onlineService: procedure.onlineService ?? "",
    legalBasis: procedure.legalBasis ?? [],
    resultType: procedure.resultType ?? "",
    requiredDocuments: procedure.requiredDocuments,
    allowsSuspension: procedure.allowsSuspension,
    allowsExtension: procedure.allowsExtension,
    formFields: procedure.formFields,
  };
}
