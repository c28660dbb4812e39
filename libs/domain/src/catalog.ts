/**
 * The procedure catalog (danh mục thủ tục hành chính). A procedure is
 * versioned: each version has a `validFrom` date, and a dossier keeps the
 * version that applied when it was accepted (DOMAIN.md §3).
 */
import { PlatformError, invalidField } from "@lienthong/errors";
import { AgencyKinds } from "./agency-kinds";
import type { OnlineService } from "./portal-values";
import { dayNumberOfIsoDate, formatVietnamDate } from "./time";

export type ProcedureLevel = "commune" | "province";

/**
 * Which kind of agency decides, a key of the catalog's agency kinds
 * (agency-kinds.ts: the built-in ones and those the catalog file adds);
 * resolved to a concrete agency per commune / province.
 */
export type AgencyKind = string;

export type ProcessingTimeUnit = "working_days" | "calendar_days" | "same_day";

export interface ProcessingTime {
  value: number;
  unit: ProcessingTimeUnit;
  /** same_day only: received at or after this hour (Vietnam time) → due the next working day. */
  cutoffHour?: number;
}

/** What a procedure takes through one way of filing: its time limit and its fee. */
export interface ChannelTerms {
  processingTime: ProcessingTime;
  /** Fee and charges in VND, together; 0 when free. */
  fee: number;
}

/** How the dossier was filed, as far as the catalog tells the terms apart: in person (or by post) or online. */
export type FilingChannel = "in_person" | "online";

export interface FormField {
  name: string;
  label: string;
  required: boolean;
  /** Regular expression source the whole value must match. */
  pattern?: string;
}

export interface Procedure {
  /** National code d.dddddd (mã TTHC). */
  code: string;
  version: number;
  /** YYYY-MM-DD (Vietnam date) from which this version applies. */
  validFrom: string;
  /** Vietnamese name as published. */
  name: string;
  /** Field (lĩnh vực), Vietnamese. */
  field: string;
  level: ProcedureLevel;
  agencyKind: AgencyKind;
  /** Time limit in person (trực tiếp) and by post (Decree 118/2025 art. 17 receives both alike). */
  processingTime: ProcessingTime;
  /** Fee or charge in VND in person and by post; 0 when free. Provincial councils set some of them. */
  fee: number;
  /** Online (trực tuyến), when its time limit or fee differs; absent: as in person. */
  online?: ChannelTerms;
  /**
   * Mức độ dịch vụ công trực tuyến: toàn trình (full), một phần (partial), or
   * none (information only: intake refuses online dossiers); absent when the
   * catalog does not say (a file of the first format), and online dossiers are taken.
   */
  onlineService?: OnlineService;
  /** Căn cứ pháp lý: the legal texts, as published. */
  legalBasis?: string[];
  /** Kết quả thực hiện: what the applicant receives, e.g. "Giấy chứng nhận đăng ký kết hôn". */
  resultType?: string;
  requiredDocuments: string[];
  formFields: FormField[];
  /** Whether processing may be suspended (state 8 then resumed). */
  allowsSuspension: boolean;
  /** Whether the appointment may be extended with an apology letter. */
  allowsExtension: boolean;
}

/** The time limit and fee of a dossier filed through `channel`. */
export function termsFor(procedure: Procedure, channel: FilingChannel): ChannelTerms {
  return channel === "online" && procedure.online
    ? procedure.online
    : { processingTime: procedure.processingTime, fee: procedure.fee };
}

export const PROCEDURE_CODE_PATTERN = /^\d\.\d{6}$/;
/** Provincial copies append the province root agency code: `1.001612.000.00.00.H48`. */
const PROVINCIAL_COPY = /^(\d\.\d{6})\.[0-9A-Z.]+$/;

/** The national code of a procedure code, stripping a provincial suffix. */
export function baseProcedureCode(code: string): string {
  return PROVINCIAL_COPY.exec(code)?.[1] ?? code;
}

export class ProcedureCatalog {
  private readonly versionsByCode = new Map<string, Procedure[]>();

  /** `agencyKinds`: the kinds the procedures name, the built-in ones unless a catalog file adds its own. */
  constructor(
    procedures: readonly Procedure[],
    readonly agencyKinds: AgencyKinds = new AgencyKinds(),
  ) {
    for (const procedure of procedures) {
      if (!PROCEDURE_CODE_PATTERN.test(procedure.code)) {
        throw invalidField("code", `procedure "${procedure.code}": must look like 1.000894`);
      }
      if (agencyKinds.get(procedure.agencyKind)?.level !== procedure.level) {
        throw invalidField(
          "agencyKind",
          `procedure ${procedure.code}: "${procedure.agencyKind}" is no agency kind of the ${procedure.level} level`,
        );
      }
      dayNumberOfIsoDate(procedure.validFrom, `procedure ${procedure.code} v${procedure.version} validFrom`);
      const versions = this.versionsByCode.get(procedure.code) ?? [];
      if (versions.some((v) => v.version === procedure.version || v.validFrom === procedure.validFrom)) {
        throw invalidField(
          "version",
          `procedure ${procedure.code} v${procedure.version}: duplicate version or validFrom`,
        );
      }
      versions.push(procedure);
      versions.sort((a, b) => a.validFrom.localeCompare(b.validFrom));
      this.versionsByCode.set(procedure.code, versions);
    }
  }

  /** The version valid at `at` (default now), or undefined when unknown or not yet valid. */
  find(code: string, at: Date = new Date()): Procedure | undefined {
    const versions = this.versionsByCode.get(baseProcedureCode(code));
    if (!versions) return undefined;
    const day = formatVietnamDate(at);
    let found: Procedure | undefined;
    for (const version of versions) if (version.validFrom <= day) found = version;
    return found;
  }

  /** Like find, but NOT_FOUND when missing. */
  get(code: string, at: Date = new Date()): Procedure {
    const procedure = this.find(code, at);
    if (!procedure) {
      throw new PlatformError("NOT_FOUND", `procedure ${code} is not in the catalog on ${formatVietnamDate(at)}`);
    }
    return procedure;
  }

  /** A specific version, e.g. the one a dossier was accepted under. */
  version(code: string, version: number): Procedure | undefined {
    return this.versionsByCode.get(baseProcedureCode(code))?.find((v) => v.version === version);
  }

  versions(code: string): Procedure[] {
    return [...(this.versionsByCode.get(baseProcedureCode(code)) ?? [])];
  }

  /** Every version of every procedure, by code then validFrom. */
  all(): Procedure[] {
    return [...this.versionsByCode.keys()].sort().flatMap((code) => this.versions(code));
  }

  /** One version per procedure: those valid at `at`. */
  current(at: Date = new Date()): Procedure[] {
    return [...this.versionsByCode.keys()]
      .sort()
      .map((code) => this.find(code, at))
      .filter((p): p is Procedure => p !== undefined);
  }
}
