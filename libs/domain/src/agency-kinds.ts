/**
 * Agency kinds (loại cơ quan thực hiện) as data: which kind of agency decides a
 * procedure, at which level, under which name. The fourteen kinds the platform
 * started with are built in; a province's catalog adds its own (the Department
 * of Science and Technology, industrial-zone boards, tax, social insurance…),
 * since the list of agencies a province runs is the province's, not the code's.
 */
import { invalidField } from "@lienthong/errors";
import type { ProcedureLevel } from "./catalog";

export interface AgencyKindEntry {
  /** Key the catalog's rows name, e.g. `department_of_justice`. */
  kind: string;
  /** Name without the place, e.g. "Sở Tư pháp"; the agency is "<name> tỉnh X" / "<name> xã Y". */
  name: string;
  level: ProcedureLevel;
  /**
   * Short mark of the stand-in agency code (`38.STP`, `14845.CA`) until the
   * operator configures the real one (docs/decisions.md §48).
   */
  mark: string;
}

export const AGENCY_KIND_PATTERN = /^[a-z][a-z0-9_]{0,79}$/;
export const AGENCY_KIND_RULE = "must be a key of a-z, 0-9 and _ starting with a letter";
/**
 * A stand-in code is `<unit code>.<mark>`: one group of Decision 20/2020's
 * characters. The audit log reads agency codes with this group too
 * (libs/service-host audit-targets.ts), so a long mark is not logged as malformed.
 */
export const AGENCY_MARK_GROUP = "[0-9A-Z]{1,12}";
export const AGENCY_MARK_PATTERN = new RegExp(`^${AGENCY_MARK_GROUP}$`);
export const AGENCY_MARK_RULE = "must be 1 to 12 of 0-9 and A-Z";

/** The commune's People's Committee: its agency code is the commune's own code, without a mark. */
export const COMMUNE_PEOPLE_COMMITTEE = "commune_people_committee";

export const BUILT_IN_AGENCY_KINDS: readonly AgencyKindEntry[] = [
  { kind: COMMUNE_PEOPLE_COMMITTEE, name: "Ủy ban nhân dân", level: "commune", mark: "UBND" },
  { kind: "commune_police", name: "Công an", level: "commune", mark: "CA" },
  { kind: "provincial_people_committee", name: "Ủy ban nhân dân", level: "province", mark: "UBND" },
  { kind: "provincial_police", name: "Công an", level: "province", mark: "CA" },
  { kind: "department_of_justice", name: "Sở Tư pháp", level: "province", mark: "STP" },
  { kind: "department_of_finance", name: "Sở Tài chính", level: "province", mark: "STC" },
  {
    kind: "department_of_agriculture_and_environment",
    name: "Sở Nông nghiệp và Môi trường",
    level: "province",
    mark: "SNNMT",
  },
  { kind: "department_of_construction", name: "Sở Xây dựng", level: "province", mark: "SXD" },
  { kind: "department_of_industry_and_trade", name: "Sở Công Thương", level: "province", mark: "SCT" },
  { kind: "department_of_health", name: "Sở Y tế", level: "province", mark: "SYT" },
  { kind: "department_of_education_and_training", name: "Sở Giáo dục và Đào tạo", level: "province", mark: "SGDDT" },
  { kind: "department_of_home_affairs", name: "Sở Nội vụ", level: "province", mark: "SNV" },
  {
    kind: "department_of_culture_sports_and_tourism",
    name: "Sở Văn hóa, Thể thao và Du lịch",
    level: "province",
    mark: "SVHTTDL",
  },
  { kind: "land_registration_office", name: "Văn phòng đăng ký đất đai", level: "province", mark: "VPDKDD" },
];

const withoutDiacritics = (text: string): string =>
  text.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D");

/** Abbreviations the portals write for an agency's leading words. */
const ABBREVIATIONS: readonly (readonly [RegExp, string])[] = [
  [/^UBND(?=\s|$)/u, "Ủy ban nhân dân"],
  [/^CA(?=\s|$)/u, "Công an"],
  [/^BHXH(?=\s|$)/u, "Bảo hiểm xã hội"],
];
const PROVINCE_WORD = "[Tt]ỉnh|[Tt]hành phố|TP\\.?";
const COMMUNE_WORD = "[Xx]ã|[Pp]hường|[Đđ]ặc khu";
/**
 * The level and place after the agency's name: "… tỉnh Thanh Hóa", "… cấp
 * xã", "… xã Mường Lát", "… tỉnh". A place starts with a capital, so "Bảo
 * hiểm xã hội" keeps its "xã".
 */
const LEVEL_AND_PLACE = new RegExp(`\\s+(?:[Cc]ấp\\s+)?(${PROVINCE_WORD}|${COMMUNE_WORD})(?:\\s+\\p{Lu}.*)?$`, "u");
const COMMUNE_LEVEL_WORD = new RegExp(`^(?:${COMMUNE_WORD})$`, "u");

const spaced = (text: string): string => text.normalize("NFC").trim().replace(/\s+/g, " ");

/**
 * The portal writes the agency with or without its level and place ("Công an
 * tỉnh", "Sở Tư pháp tỉnh Thanh Hóa", "UBND xã", "Ủy ban nhân dân cấp xã"); the
 * kind's name is without them, since the place is added when the agency is named.
 */
export function agencyKindName(text: string): string {
  let name = spaced(text);
  for (const [abbreviation, words] of ABBREVIATIONS) name = name.replace(abbreviation, words);
  return name.replace(LEVEL_AND_PLACE, "");
}

/** The level the agency's text names ("Sở Tư pháp tỉnh Thanh Hóa": province), or undefined when it names none. */
export function agencyLevelNamed(text: string): ProcedureLevel | undefined {
  const word = LEVEL_AND_PLACE.exec(spaced(text))?.[1];
  if (word === undefined) return undefined;
  return COMMUNE_LEVEL_WORD.test(word) ? "commune" : "province";
}

/**
 * Names compared as a reader would: without case, and without diacritics, since
 * the tone mark sits on either vowel in common spellings ("Văn hoá" / "Văn
 * hóa", "Uỷ" / "Ủy") and NFC keeps them apart.
 */
const comparable = (name: string): string => withoutDiacritics(agencyKindName(name)).toLowerCase();

/** A key for a kind the catalog names only by its agency: "Sở Khoa học và Công nghệ" → `so_khoa_hoc_va_cong_nghe`. */
export function agencyKindKeyOf(name: string): string {
  const key = withoutDiacritics(agencyKindName(name))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 80);
  return /^[a-z]/.test(key) ? key : `agency_${key}`.slice(0, 80);
}

/** The initials of the name, as the provinces abbreviate their agencies: "Sở Khoa học và Công nghệ" → `SKHCN`. */
export function agencyMarkOf(name: string): string {
  return withoutDiacritics(agencyKindName(name))
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== "" && word.toLowerCase() !== "va")
    .map((word) => word[0]!.toUpperCase())
    .join("")
    .slice(0, 12);
}

/** The agency kinds a catalog knows: the built-in ones and those its file adds. */
export class AgencyKinds {
  private readonly byKind = new Map<string, AgencyKindEntry>();
  private readonly addedKinds: AgencyKindEntry[] = [];

  constructor(added: readonly AgencyKindEntry[] = []) {
    for (const entry of BUILT_IN_AGENCY_KINDS) this.byKind.set(entry.kind, entry);
    for (const entry of added) this.add(entry);
  }

  /** Why `entry` cannot join these kinds, or undefined when it can (a repeat of a known entry can). */
  problemAdding(entry: AgencyKindEntry): string | undefined {
    if (!AGENCY_KIND_PATTERN.test(entry.kind)) return AGENCY_KIND_RULE;
    if (!AGENCY_MARK_PATTERN.test(entry.mark)) return `mark "${entry.mark}" ${AGENCY_MARK_RULE}`;
    const known = this.byKind.get(entry.kind);
    if (known) {
      return known.level === entry.level && known.name === entry.name && known.mark === entry.mark
        ? undefined
        : `is already the kind "${known.name}" (${known.level} level, mark ${known.mark})`;
    }
    // Two kinds of one level with one name: a row naming the agency could not tell which it means.
    const sameName = this.named(entry.name, entry.level);
    if (sameName) return `"${entry.name}" is already the kind ${sameName.kind} of the ${entry.level} level`;
    // Two kinds of one level with one mark would give their agencies one stand-in code.
    const sameMark = [...this.byKind.values()].find((e) => e.level === entry.level && e.mark === entry.mark);
    if (sameMark)
      return `its stand-in code mark ${entry.mark} is already "${sameMark.name}"'s (${sameMark.kind}): give the kind its own mark`;
    return undefined;
  }

  /** Adds a kind a catalog introduces; refused (INVALID_ARGUMENT) when problemAdding names a problem. */
  add(entry: AgencyKindEntry): void {
    const problem = this.problemAdding(entry);
    if (problem) throw invalidField(`agencyKinds.${entry.kind}`, problem);
    if (this.byKind.has(entry.kind)) return;
    this.byKind.set(entry.kind, entry);
    this.addedKinds.push(entry);
  }

  get(kind: string): AgencyKindEntry | undefined {
    return this.byKind.get(kind);
  }

  /** The kind of this level whose name the portal wrote ("Sở Tư pháp", "Công an tỉnh", "UBND xã"). */
  named(name: string, level: ProcedureLevel): AgencyKindEntry | undefined {
    const wanted = comparable(name);
    return [...this.byKind.values()].find((entry) => entry.level === level && comparable(entry.name) === wanted);
  }

  /** Whether `name` is the kind's name as a reader would compare them. */
  static sameName(a: string, b: string): boolean {
    return comparable(a) === comparable(b);
  }

  ofLevel(level: ProcedureLevel): AgencyKindEntry[] {
    return [...this.byKind.values()].filter((entry) => entry.level === level);
  }

  /** The kinds a catalog file must carry: those not built in, in the order they were added. */
  added(): AgencyKindEntry[] {
    return [...this.addedKinds];
  }
}
