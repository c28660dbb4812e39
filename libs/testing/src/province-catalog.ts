/**
 * A whole province's procedure catalog as the portal exports it, made up for
 * tests (no real catalog is copied into the repository): 2,000 procedures and
 * 160 second versions, decided by the province's departments (agency kinds
 * the platform does not build in among them), the commune People's
 * Committees and the provincial police, with the portal's texts for time
 * limits and fees per channel.
 */

export const PROVINCE_CATALOG_COLUMNS = [
  "code",
  "version",
  "validFrom",
  "name",
  "field",
  "level",
  "competentAgency",
  "agencyMark",
  "processingTimeInPerson",
  "processingTimeOnline",
  "cutoffHour",
  "feeInPerson",
  "feeOnline",
  "onlineService",
  "legalBasis",
  "resultType",
  "requiredDocuments",
  "formFields",
  "allowsSuspension",
  "allowsExtension",
] as const;

export type ProvinceCatalogRow = Record<(typeof PROVINCE_CATALOG_COLUMNS)[number], string>;

/** Who decides, as the portal writes it; the first six are not among the platform's built-in agency kinds. */
export const PROVINCE_AGENCIES = [
  {
    competentAgency: "Sở Khoa học và Công nghệ",
    agencyMark: "",
    level: "province",
    field: "Hoạt động khoa học và công nghệ",
  },
  { competentAgency: "Sở Dân tộc và Tôn giáo", agencyMark: "", level: "province", field: "Tín ngưỡng, tôn giáo" },
  // Its initials are Sở Nội vụ's (SNV): the file gives its own mark.
  { competentAgency: "Sở Ngoại vụ", agencyMark: "SNGV", level: "province", field: "Công tác lãnh sự" },
  {
    competentAgency: "Ban Quản lý Khu kinh tế và các khu công nghiệp",
    agencyMark: "BQLKKT",
    level: "province",
    field: "Đầu tư tại khu công nghiệp",
  },
  { competentAgency: "Thuế tỉnh", agencyMark: "THUE", level: "province", field: "Quản lý thuế" },
  { competentAgency: "Bảo hiểm xã hội tỉnh", agencyMark: "", level: "province", field: "Bảo hiểm xã hội" },
  { competentAgency: "Sở Tư pháp", agencyMark: "", level: "province", field: "Lý lịch tư pháp" },
  { competentAgency: "Công an tỉnh", agencyMark: "", level: "province", field: "Xuất nhập cảnh" },
  { competentAgency: "Ủy ban nhân dân cấp xã", agencyMark: "", level: "commune", field: "Chứng thực" },
] as const;

const IN_PERSON_TIMES = ["30 Ngày làm việc", "15 Ngày làm việc", "20 ngày", "05 ngày làm việc", "Trong ngày"];
const ONLINE_TIMES = ["", "10 Ngày làm việc", "03 ngày làm việc"];
const FEES = ["Phí: 0 Đồng", "Lệ phí: 50.000 Đồng", "Phí: 100.000 Đồng; Lệ phí: 20.000 Đồng", "Miễn phí"];

/**
 * The procedure the scenarios file dossiers for: the Department of Science
 * and Technology's, 15 working days and 50,000 đồng in person, 10 working
 * days and 25,000 đồng online.
 */
export const FEATURED_PROCEDURE = {
  code: "1.100000",
  inPersonWorkingDays: 15,
  onlineWorkingDays: 10,
  inPersonFeeVnd: 50_000,
  onlineFeeVnd: 25_000,
  agencyCode: "38.SKHCN",
  agencyName: "Sở Khoa học và Công nghệ tỉnh Thanh Hoá",
} as const;

/** A free one: nothing for a payment request to ask. */
export const FREE_PROCEDURE_CODE = "1.100003";

function row(index: number, version: number): ProvinceCatalogRow {
  const agency = PROVINCE_AGENCIES[index % PROVINCE_AGENCIES.length]!;
  const inPerson = IN_PERSON_TIMES[index % IN_PERSON_TIMES.length]!;
  const online = ONLINE_TIMES[index % ONLINE_TIMES.length]!;
  const onlineFee = index % 2 === 0 ? "Lệ phí: 25.000 Đồng" : "";
  const offeredOnline = online !== "" || onlineFee !== "" || index % 5 === 1;
  return {
    code: `${1 + (index % 3)}.${String(100_000 + index).padStart(6, "0")}`,
    version: String(version),
    validFrom: version === 1 ? "2025-07-01" : "2026-01-01",
    name: `Thủ tục số ${index + 1} thuộc lĩnh vực ${agency.field.toLowerCase()}`,
    field: agency.field,
    level: agency.level,
    competentAgency: agency.competentAgency,
    agencyMark: agency.agencyMark,
    processingTimeInPerson: inPerson,
    processingTimeOnline: online,
    cutoffHour: inPerson === "Trong ngày" ? "15" : "",
    feeInPerson: FEES[index % FEES.length]!,
    feeOnline: onlineFee,
    onlineService: offeredOnline ? (index % 4 === 0 ? "Toàn trình" : "Một phần") : "",
    legalBasis: "Luật số 01/2025/QH15\nNghị định số 118/2025/NĐ-CP",
    resultType: `Văn bản chấp thuận của ${agency.competentAgency}`,
    requiredDocuments: "Đơn đề nghị | Bản sao giấy tờ liên quan",
    formFields: "",
    allowsSuspension: "false",
    allowsExtension: "true",
  };
}

/** The rows in file order: the featured procedure first, second versions last. */
export function provinceCatalogRows(): ProvinceCatalogRow[] {
  const featured: ProvinceCatalogRow = {
    ...row(0, 1),
    code: FEATURED_PROCEDURE.code,
    name: "Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
    processingTimeInPerson: "15 Ngày làm việc",
    processingTimeOnline: "10 Ngày làm việc",
    cutoffHour: "",
    feeInPerson: "Phí: 0 Đồng; Lệ phí: 50.000 Đồng",
    feeOnline: "Lệ phí: 25.000 Đồng",
    onlineService: "Toàn trình",
  };
  const rows = [featured];
  for (let index = 1; index < 2_000; index += 1) rows.push(row(index, 1));
  rows.find((r) => r.code === FREE_PROCEDURE_CODE)!.feeInPerson = "Miễn phí";
  for (let index = 1_000; index < 1_160; index += 1) rows.push(row(index, 2));
  return rows;
}

const quoted = (value: string): string => (/[",\n|]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** Rows as the CSV a spreadsheet saves, header first. */
export function provinceCatalogCsv(rows: readonly ProvinceCatalogRow[] = provinceCatalogRows()): string {
  const lines = [PROVINCE_CATALOG_COLUMNS.join(",")];
  for (const r of rows) lines.push(PROVINCE_CATALOG_COLUMNS.map((column) => quoted(r[column])).join(","));
  return `${lines.join("\n")}\n`;
}
