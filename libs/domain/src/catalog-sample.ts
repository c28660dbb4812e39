/**
 * Built-in sample of real procedures (national codes, names, processing times
 * and fees as published), typed by hand. Provenance marks as in DOMAIN.md:
 * [C] checked in a primary source (law / decree text), [S] seen on provincial
 * or third-party listings, [U] unconfirmed — to be checked against the
 * province's published catalog before production use.
 */
import type { FormField, Procedure } from "./catalog";
import { ProcedureCatalog } from "./catalog";

/** The two-tier model (and most current catalog versions) started here. */
const TWO_TIER_START = "2025-07-01";
const CITIZEN_ID_PATTERN = "^\\d{12}$";
const ISO_DATE_PATTERN = "^\\d{4}-\\d{2}-\\d{2}$";

const applicant: FormField[] = [
  { name: "applicantFullName", label: "Họ, chữ đệm và tên người yêu cầu", required: true },
  {
    name: "applicantCitizenId",
    label: "Số định danh cá nhân người yêu cầu",
    required: true,
    pattern: CITIZEN_ID_PATTERN,
  },
  { name: "applicantPhone", label: "Số điện thoại", required: false, pattern: "^0\\d{9}$" },
];

/** Same-day procedures received after 15:00 are due the next working day [S]. */
const SAME_DAY = { value: 1, unit: "same_day", cutoffHour: 15 } as const;

type Entry = Omit<Procedure, "version" | "validFrom" | "formFields" | "allowsSuspension" | "allowsExtension"> &
  Partial<Pick<Procedure, "version" | "validFrom" | "allowsSuspension" | "allowsExtension">> & {
    extraFields?: FormField[];
  };

/** Fills the fields most entries share: version 1 from the two-tier start, applicant fields, extension allowed. */
function entry(e: Entry): Procedure {
  const { extraFields, ...rest } = e;
  return {
    version: 1,
    validFrom: TWO_TIER_START,
    allowsSuspension: false,
    allowsExtension: true,
    ...rest,
    formFields: [...applicant, ...(extraFields ?? [])],
  };
}

const commune = { level: "commune", agencyKind: "commune_people_committee" } as const;
const text = (name: string, label: string, required = true): FormField => ({ name, label, required });

export const SAMPLE_PROCEDURES: readonly Procedure[] = [
  {
    // [S] code; [C] "ngay trong ngày" — Law on Civil Status 2014 art. 16; free — art. 11.
    code: "1.001193",
    version: 1,
    validFrom: TWO_TIER_START,
    name: "Thủ tục đăng ký khai sinh",
    field: "Hộ tịch",
    level: "commune",
    agencyKind: "commune_people_committee",
    processingTime: SAME_DAY,
    fee: 0,
    requiredDocuments: ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh hoặc văn bản thay thế giấy chứng sinh"],
    formFields: [
      ...applicant,
      { name: "childFullName", label: "Họ, chữ đệm và tên người được khai sinh", required: true },
      { name: "childBirthDate", label: "Ngày sinh", required: true, pattern: ISO_DATE_PATTERN },
      { name: "childSex", label: "Giới tính", required: true, pattern: "^(nam|nu)$" },
      { name: "birthPlace", label: "Nơi sinh", required: true },
    ],
    allowsSuspension: false,
    allowsExtension: true,
  },
  {
    // [S] code; [C] same day, up to 5 working days when verification is needed — Law on Civil Status art. 18; free — art. 11.
    code: "1.000894",
    version: 1,
    validFrom: TWO_TIER_START,
    name: "Thủ tục đăng ký kết hôn",
    field: "Hộ tịch",
    level: "commune",
    agencyKind: "commune_people_committee",
    processingTime: SAME_DAY,
    fee: 0,
    requiredDocuments: [
      "Tờ khai đăng ký kết hôn",
      "Giấy xác nhận tình trạng hôn nhân (khi đăng ký tại nơi không thường trú)",
    ],
    formFields: [
      ...applicant,
      { name: "husbandFullName", label: "Họ, chữ đệm và tên bên nam", required: true },
      { name: "husbandCitizenId", label: "Số định danh cá nhân bên nam", required: true, pattern: CITIZEN_ID_PATTERN },
      { name: "wifeFullName", label: "Họ, chữ đệm và tên bên nữ", required: true },
      { name: "wifeCitizenId", label: "Số định danh cá nhân bên nữ", required: true, pattern: CITIZEN_ID_PATTERN },
    ],
    allowsSuspension: false,
    allowsExtension: true,
  },
  {
    // [S] code; [C] "ngay sau khi nhận giấy tờ" — Law on Civil Status art. 34; free when registered on time — art. 11.
    code: "1.000656",
    version: 1,
    validFrom: TWO_TIER_START,
    name: "Thủ tục đăng ký khai tử",
    field: "Hộ tịch",
    level: "commune",
    agencyKind: "commune_people_committee",
    processingTime: SAME_DAY,
    fee: 0,
    requiredDocuments: ["Tờ khai đăng ký khai tử", "Giấy báo tử hoặc giấy tờ thay thế giấy báo tử"],
    formFields: [
      ...applicant,
      { name: "deceasedFullName", label: "Họ, chữ đệm và tên người chết", required: true },
      { name: "dateOfDeath", label: "Ngày chết", required: true, pattern: ISO_DATE_PATTERN },
      { name: "placeOfDeath", label: "Nơi chết", required: true },
    ],
    allowsSuspension: false,
    allowsExtension: true,
  },
  {
    // [S] code (DOMAIN.md §5); [C] same day, next working day when received after 15:00 — Decree 23/2015/NĐ-CP art. 7;
    // [C] fee 10,000 VND per attestation — Circular 226/2016/TT-BTC.
    code: "2.000884",
    version: 1,
    validFrom: TWO_TIER_START,
    name: "Thủ tục chứng thực chữ ký trong các giấy tờ, văn bản",
    field: "Chứng thực",
    level: "commune",
    agencyKind: "commune_people_committee",
    processingTime: SAME_DAY,
    fee: 10_000,
    requiredDocuments: ["Giấy tờ, văn bản cần chứng thực chữ ký", "Giấy tờ tùy thân còn giá trị sử dụng"],
    formFields: [...applicant, { name: "documentTitle", label: "Tên giấy tờ, văn bản", required: true }],
    allowsSuspension: false,
    allowsExtension: false,
  },
  {
    // [S] code (DOMAIN.md §5 example 1.001612.000.00.00.H48); [C] 3 working days — Decree 01/2021/NĐ-CP (kept by Decree 168/2025/NĐ-CP);
    // [U] fee: set by each provincial council, 100,000 VND is common.
    code: "1.001612",
    version: 1,
    validFrom: TWO_TIER_START,
    name: "Đăng ký thành lập hộ kinh doanh",
    field: "Thành lập và hoạt động của hộ kinh doanh",
    level: "commune",
    agencyKind: "commune_people_committee",
    processingTime: { value: 3, unit: "working_days" },
    fee: 100_000,
    requiredDocuments: [
      "Giấy đề nghị đăng ký hộ kinh doanh",
      "Biên bản họp thành viên hộ gia đình (nếu các thành viên cùng đăng ký)",
    ],
    formFields: [
      ...applicant,
      { name: "businessName", label: "Tên hộ kinh doanh", required: true },
      { name: "businessAddress", label: "Địa chỉ trụ sở", required: true },
      { name: "lineOfBusiness", label: "Ngành, nghề kinh doanh", required: true },
      { name: "capitalVnd", label: "Vốn kinh doanh (đồng)", required: true, pattern: "^[1-9]\\d*$" },
    ],
    allowsSuspension: true,
    allowsExtension: true,
  },
  {
    // [U] code: 3.000333 seen in a third-party mapping of the police ministry's set; the Ministry of Justice code
    // used before 1 July 2025 differs. [C] ≤ 10 working days — Law on Judicial Records 2009 art. 48;
    // [C] 200,000 VND — Circular 244/2016/TT-BTC (reduced for students and people with merit).
    code: "3.000333",
    version: 1,
    validFrom: TWO_TIER_START,
    name: "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
    field: "Lý lịch tư pháp",
    level: "province",
    agencyKind: "provincial_police",
    processingTime: { value: 10, unit: "working_days" },
    fee: 200_000,
    requiredDocuments: ["Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "Bản chụp giấy tờ tùy thân"],
    formFields: [
      ...applicant,
      { name: "certificateType", label: "Loại Phiếu (1 hoặc 2)", required: true, pattern: "^(1|2)$" },
      { name: "purpose", label: "Mục đích sử dụng", required: true },
    ],
    allowsSuspension: true,
    allowsExtension: true,
  },
  ...civilStatusAndAttestation(),
  ...businessConstructionLandResidence(),
  ...provincial(),
];

function civilStatusAndAttestation(): Procedure[] {
  return [
    // [S] code; [C] 3 working days — Law on Civil Status art. 28; [U] fee set by the province.
    entry({
      ...commune,
      code: "1.004859",
      name: "Thủ tục đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
      field: "Hộ tịch",
      processingTime: { value: 3, unit: "working_days" },
      fee: 0,
      requiredDocuments: ["Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Giấy tờ làm căn cứ"],
      extraFields: [
        text("registrationBookReference", "Số, ngày đăng ký hộ tịch cần thay đổi"),
        text("requestedChange", "Nội dung đề nghị"),
      ],
    }),
    // [S] code; [C] 3 working days — Decree 123/2015/NĐ-CP art. 22; [U] fee set by the province.
    entry({
      ...commune,
      code: "1.004873",
      name: "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
      field: "Hộ tịch",
      processingTime: { value: 3, unit: "working_days" },
      fee: 0,
      requiredDocuments: ["Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"],
      extraFields: [text("purpose", "Mục đích sử dụng")],
    }),
    // [S] code; [C] 5 working days — Decree 123/2015/NĐ-CP.
    entry({
      ...commune,
      code: "1.004884",
      name: "Thủ tục đăng ký lại khai sinh",
      field: "Hộ tịch",
      processingTime: { value: 5, unit: "working_days" },
      fee: 0,
      requiredDocuments: ["Tờ khai đăng ký lại khai sinh", "Bản sao giấy tờ liên quan đến nội dung khai sinh"],
      extraFields: [text("childFullName", "Họ, chữ đệm và tên người được đăng ký lại khai sinh")],
    }),
    // [S] code; [C] 5 working days — Decree 123/2015/NĐ-CP.
    entry({
      ...commune,
      code: "1.005461",
      name: "Thủ tục đăng ký lại khai tử",
      field: "Hộ tịch",
      processingTime: { value: 5, unit: "working_days" },
      fee: 0,
      requiredDocuments: ["Tờ khai đăng ký lại khai tử", "Bản sao Giấy chứng tử trước đây (nếu có)"],
      extraFields: [text("deceasedFullName", "Họ, chữ đệm và tên người chết")],
    }),
    // [S] code; [U] 3 working days as listed in provincial catalogs.
    entry({
      ...commune,
      code: "1.000689",
      name: "Thủ tục đăng ký khai sinh kết hợp nhận cha, mẹ, con",
      field: "Hộ tịch",
      processingTime: { value: 3, unit: "working_days" },
      fee: 0,
      requiredDocuments: [
        "Tờ khai đăng ký khai sinh",
        "Tờ khai nhận cha, mẹ, con",
        "Chứng cứ chứng minh quan hệ cha, mẹ, con",
      ],
      extraFields: [text("childFullName", "Họ, chữ đệm và tên người được khai sinh")],
    }),
    // [S] code; [C] same day — Law on Civil Status art. 64; [S] 8,000 VND per copy — Circular 281/2016/TT-BTC.
    entry({
      ...commune,
      code: "2.000635",
      name: "Thủ tục cấp bản sao trích lục hộ tịch",
      field: "Hộ tịch",
      processingTime: SAME_DAY,
      fee: 8_000,
      requiredDocuments: ["Tờ khai cấp bản sao trích lục hộ tịch"],
      extraFields: [
        text("eventType", "Loại sự kiện hộ tịch"),
        { name: "copies", label: "Số bản sao", required: true, pattern: "^[1-9]\\d?$" },
      ],
    }),
    // [S] code; [C] same day, next working day after 15:00 — Decree 23/2015/NĐ-CP art. 7; [C] 2,000 VND a page — Circular 226/2016/TT-BTC.
    entry({
      ...commune,
      code: "2.000815",
      name: "Thủ tục chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp hoặc chứng nhận",
      field: "Chứng thực",
      processingTime: SAME_DAY,
      fee: 2_000,
      requiredDocuments: ["Bản chính giấy tờ, văn bản", "Bản sao cần chứng thực"],
      allowsExtension: false,
      extraFields: [text("documentTitle", "Tên giấy tờ, văn bản")],
    }),
    // [S] code; [C] ≤ 2 working days — Decree 23/2015/NĐ-CP art. 7; [C] 50,000 VND — Circular 226/2016/TT-BTC.
    entry({
      ...commune,
      code: "2.001019",
      name: "Thủ tục chứng thực di chúc",
      field: "Chứng thực",
      processingTime: { value: 2, unit: "working_days" },
      fee: 50_000,
      requiredDocuments: ["Dự thảo di chúc", "Giấy tờ tùy thân của người lập di chúc"],
      extraFields: [text("testatorFullName", "Họ, chữ đệm và tên người lập di chúc")],
    }),
  ];
}

function businessConstructionLandResidence(): Procedure[] {
  const business = "Thành lập và hoạt động của hộ kinh doanh";
  const householdBusinessId = {
    name: "householdBusinessNumber",
    label: "Mã số hộ kinh doanh",
    required: true,
    pattern: "^[0-9A-Z-]{1,20}$",
  };
  return [
    // [S] codes 2.000720, 1.001570, 1.001266, 2.000575; [C] 3 working days — Decree 01/2021/NĐ-CP; [U] fees set by the province.
    entry({
      ...commune,
      code: "2.000720",
      name: "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
      field: business,
      processingTime: { value: 3, unit: "working_days" },
      fee: 0,
      requiredDocuments: ["Thông báo thay đổi nội dung đăng ký hộ kinh doanh"],
      allowsSuspension: true,
      extraFields: [householdBusinessId, text("requestedChange", "Nội dung thay đổi")],
    }),
    entry({
      ...commune,
      code: "1.001570",
      name: "Tạm ngừng hoạt động hộ kinh doanh",
      field: business,
      processingTime: { value: 3, unit: "working_days" },
      fee: 0,
      requiredDocuments: ["Thông báo tạm ngừng kinh doanh"],
      extraFields: [
        householdBusinessId,
        { name: "suspendFrom", label: "Tạm ngừng từ ngày", required: true, pattern: ISO_DATE_PATTERN },
      ],
    }),
    entry({
      ...commune,
      code: "1.001266",
      name: "Chấm dứt hoạt động hộ kinh doanh",
      field: business,
      processingTime: { value: 3, unit: "working_days" },
      fee: 0,
      requiredDocuments: ["Thông báo chấm dứt hoạt động hộ kinh doanh"],
      extraFields: [householdBusinessId],
    }),
    entry({
      ...commune,
      code: "2.000575",
      name: "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh",
      field: business,
      processingTime: { value: 3, unit: "working_days" },
      fee: 0,
      requiredDocuments: ["Giấy đề nghị cấp lại Giấy chứng nhận đăng ký hộ kinh doanh"],
      extraFields: [householdBusinessId],
    }),
    // [U] code 1.013225 (the 2025 series; older listings use 1.009122); [C] ≤ 15 days for individual houses — Law on Construction art. 102;
    // [U] fee 75,000 VND is common, set by the province.
    entry({
      ...commune,
      code: "1.013225",
      name: "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
      field: "Hoạt động xây dựng",
      processingTime: { value: 15, unit: "calendar_days" },
      fee: 75_000,
      allowsSuspension: true,
      requiredDocuments: [
        "Đơn đề nghị cấp giấy phép xây dựng",
        "Giấy tờ chứng minh quyền sử dụng đất",
        "Bản vẽ thiết kế xây dựng",
      ],
      extraFields: [text("landParcel", "Thửa đất số, tờ bản đồ số"), text("constructionAddress", "Địa điểm xây dựng")],
    }),
    // [U] code; [C] 5 working days for renewal — Law on Construction art. 102.
    entry({
      ...commune,
      code: "1.013227",
      name: "Gia hạn giấy phép xây dựng",
      field: "Hoạt động xây dựng",
      processingTime: { value: 5, unit: "working_days" },
      fee: 0,
      requiredDocuments: ["Đơn đề nghị gia hạn giấy phép xây dựng", "Bản chính giấy phép xây dựng đã được cấp"],
      extraFields: [text("permitNumber", "Số giấy phép xây dựng")],
    }),
    // [U] code 1.012753; [U] 20 working days — Decree 101/2024/NĐ-CP, since shortened in some provinces; commune competence until 1 Mar 2027 (DOMAIN.md §6).
    entry({
      ...commune,
      code: "1.012753",
      name: "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu",
      field: "Đất đai",
      processingTime: { value: 20, unit: "working_days" },
      fee: 0,
      allowsSuspension: true,
      requiredDocuments: [
        "Đơn đăng ký, cấp Giấy chứng nhận",
        "Giấy tờ về quyền sử dụng đất (nếu có)",
        "Sơ đồ thửa đất (nếu có)",
      ],
      extraFields: [text("landParcel", "Thửa đất số, tờ bản đồ số"), text("landAddress", "Địa chỉ thửa đất")],
    }),
    // [S] code; [C] 7 working days — Law on Residence 2020 art. 22; [C] 20,000 VND — Circular 75/2022/TT-BTC.
    entry({
      code: "1.004222",
      level: "commune",
      agencyKind: "commune_police",
      name: "Đăng ký thường trú",
      field: "Đăng ký, quản lý cư trú",
      processingTime: { value: 7, unit: "working_days" },
      fee: 20_000,
      requiredDocuments: ["Tờ khai thay đổi thông tin cư trú", "Giấy tờ chứng minh chỗ ở hợp pháp"],
      extraFields: [text("residenceAddress", "Địa chỉ đăng ký thường trú")],
    }),
    // [S] code; [C] 3 working days — Law on Residence 2020 art. 28; [C] 15,000 VND — Circular 75/2022/TT-BTC.
    entry({
      code: "1.004194",
      level: "commune",
      agencyKind: "commune_police",
      name: "Đăng ký tạm trú",
      field: "Đăng ký, quản lý cư trú",
      processingTime: { value: 3, unit: "working_days" },
      fee: 15_000,
      requiredDocuments: ["Tờ khai thay đổi thông tin cư trú", "Giấy tờ chứng minh chỗ ở hợp pháp"],
      extraFields: [text("residenceAddress", "Địa chỉ đăng ký tạm trú")],
    }),
  ];
}

function provincial(): Procedure[] {
  return [
    // [U] code 3.000334 (seen with 3.000333 in a third-party mapping), same law, time and fee as Phiếu số 1.
    entry({
      code: "3.000334",
      level: "province",
      agencyKind: "provincial_police",
      name: "Cấp Phiếu lý lịch tư pháp số 2",
      field: "Lý lịch tư pháp",
      processingTime: { value: 10, unit: "working_days" },
      fee: 200_000,
      allowsSuspension: true,
      requiredDocuments: ["Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "Bản chụp giấy tờ tùy thân"],
      extraFields: [text("purpose", "Mục đích sử dụng")],
    }),
    // [S] code; [U] 10 working days; [U] fee set by the province; the provincial department of home affairs since 2025.
    entry({
      code: "1.014199",
      level: "province",
      agencyKind: "department_of_home_affairs",
      name: "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
      field: "Việc làm",
      processingTime: { value: 10, unit: "working_days" },
      fee: 600_000,
      requiredDocuments: ["Văn bản đề nghị cấp giấy phép lao động", "Giấy chứng nhận sức khỏe", "Văn bằng, chứng chỉ"],
      extraFields: [
        text("employerName", "Tên người sử dụng lao động"),
        text("workerPassportNumber", "Số hộ chiếu người lao động"),
      ],
    }),
    // [S] code; [U] 15 working days; [U] fee (Circular 67/2021/TT-BTC sets it by kind of establishment).
    entry({
      code: "2.001827",
      level: "province",
      agencyKind: "department_of_industry_and_trade",
      name: "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
      field: "An toàn thực phẩm",
      processingTime: { value: 15, unit: "working_days" },
      fee: 1_000_000,
      allowsSuspension: true,
      requiredDocuments: ["Đơn đề nghị cấp Giấy chứng nhận", "Bản thuyết minh về cơ sở vật chất"],
      extraFields: [text("establishmentName", "Tên cơ sở"), text("establishmentAddress", "Địa chỉ cơ sở")],
    }),
    // [S] code (police driving-licence series since 2025); [U] 10 working days; [C] 135,000 VND — Circular 37/2023/TT-BTC.
    entry({
      code: "3.000346",
      level: "province",
      agencyKind: "provincial_police",
      name: "Cấp giấy phép lái xe",
      field: "Đường bộ",
      processingTime: { value: 10, unit: "working_days" },
      fee: 135_000,
      requiredDocuments: ["Đơn đề nghị cấp giấy phép lái xe", "Giấy khám sức khỏe của người lái xe"],
      extraFields: [
        {
          name: "licenceClass",
          label: "Hạng giấy phép lái xe",
          required: true,
          pattern: "^(A1|A|B1|B|C1|C|D1|D2|D|BE|C1E|CE|D1E|D2E|DE)$",
        },
      ],
    }),
    // [S] code; [U] 5 working days; [C] 135,000 VND — Circular 37/2023/TT-BTC.
    entry({
      code: "3.000347",
      level: "province",
      agencyKind: "provincial_police",
      name: "Đổi giấy phép lái xe",
      field: "Đường bộ",
      processingTime: { value: 5, unit: "working_days" },
      fee: 135_000,
      requiredDocuments: ["Đơn đề nghị đổi giấy phép lái xe", "Giấy phép lái xe đang sử dụng"],
      extraFields: [text("licenceNumber", "Số giấy phép lái xe")],
    }),
  ];
}

export function sampleCatalog(): ProcedureCatalog {
  return new ProcedureCatalog(SAMPLE_PROCEDURES);
}
