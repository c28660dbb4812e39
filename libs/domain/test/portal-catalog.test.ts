import { PlatformError } from "@lienthong/errors";
import {
  parseCatalog,
  parseCatalogCsv,
  parseFeeText,
  parseOnlineServiceText,
  parseProcessingTimeText,
  resolveCompetentAuthority,
  sampleUnits,
  termsFor,
  vietnamDate,
} from "../src";

const HEADER =
  "code,version,validFrom,name,field,level,agencyKind,competentAgency,agencyMark,processingTimeInPerson,processingTimeOnline,cutoffHour,feeInPerson,feeOnline,onlineService,legalBasis,resultType,requiredDocuments,formFields,allowsSuspension,allowsExtension";
const ROW = (cells: Partial<Record<string, string>>): string => {
  const row: Record<string, string> = {
    code: "1.004446",
    version: "1",
    validFrom: "2025-07-01",
    name: "Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
    field: "Hoạt động khoa học và công nghệ",
    level: "province",
    agencyKind: "",
    competentAgency: "Sở Khoa học và Công nghệ",
    agencyMark: "",
    processingTimeInPerson: "15 Ngày làm việc",
    processingTimeOnline: "10 Ngày làm việc",
    cutoffHour: "",
    feeInPerson: "Phí: 0 Đồng; Lệ phí: 50.000 Đồng",
    feeOnline: "Lệ phí: 25.000 Đồng",
    onlineService: "Toàn trình",
    legalBasis: "Luật Khoa học và Công nghệ 2013\nNghị định 08/2014/NĐ-CP",
    resultType: "Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
    requiredDocuments: "Đơn đăng ký",
    formFields: "",
    allowsSuspension: "false",
    allowsExtension: "true",
    ...cells,
  };
  return HEADER.split(",")
    .map((column) => `"${(row[column] ?? "").replace(/"/g, '""')}"`)
    .join(",");
};

function violationsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof PlatformError && error.code === "INVALID_ARGUMENT")
      return error.violations.map((v) => `${v.field}: ${v.reason}`);
    throw error;
  }
  throw new Error("expected INVALID_ARGUMENT");
}

describe("portal values", () => {
  it.each([
    ["30 Ngày làm việc", { value: 30, unit: "working_days" }],
    ["05 ngày làm việc", { value: 5, unit: "working_days" }],
    ["0,5 ngày làm việc", { value: 0.5, unit: "working_days" }],
    ["15 ngày", { value: 15, unit: "calendar_days" }],
    ["Trong thời hạn 20 ngày kể từ ngày nhận đủ hồ sơ hợp lệ", { value: 20, unit: "calendar_days" }],
    ["Không quá 10 ngày làm việc", { value: 10, unit: "working_days" }],
    ["Trong ngày", { value: 1, unit: "same_day" }],
    ["Ngay trong ngày làm việc", { value: 1, unit: "same_day" }],
    ["30 ngày làm việc.", { value: 30, unit: "working_days" }],
    // Vietnamese groups thousands with a dot.
    ["1.000 ngày", { value: 1000, unit: "calendar_days" }],
  ])("reads the time limit %j", (text, expected) => {
    expect(parseProcessingTimeText(text)).toEqual({ value: expected });
  });

  it.each([
    ["Không quy định", /sets no time limit; every accepted dossier gets an appointment/],
    ["8 giờ làm việc", /counts in giờ làm việc: the platform counts time limits in days/],
    ["2 tháng", /counts in tháng/],
    ["05 ngày làm việc; trường hợp phải xác minh không quá 10 ngày làm việc", /gives 2 time limits/],
    // The second limit after the first one's "kể từ …".
    ["30 ngày làm việc kể từ ngày nhận hồ sơ; 45 ngày đối với trường hợp phức tạp", /gives 2 time limits/],
    [
      "05 ngày làm việc kể từ ngày nhận đủ hồ sơ; trường hợp cần xác minh thì không quá 10 ngày làm việc",
      /gives 2 time limits/,
    ],
    ["Không có", /sets no time limit/],
    ["1,5 ngày", /calendar days must be whole/],
    ["0 ngày làm việc", /must be more than 0 days/],
    ["Theo hồ sơ", /is not a time limit the platform reads/],
    ["", /is empty/],
  ])("refuses the time limit %j, saying why", (text, reason) => {
    const parsed = parseProcessingTimeText(text);
    expect("problem" in parsed && parsed.problem).toMatch(reason);
  });

  it.each([
    ["Phí: 0 Đồng", 0],
    ["Phí : 0 Đồng", 0],
    ["Lệ phí: 50.000 Đồng", 50_000],
    ["100.000 đồng", 100_000],
    ["1,500,000 VNĐ", 1_500_000],
    ["200000", 200_000],
    ["Phí: 10.000 Đồng; Lệ phí: 20.000 Đồng", 30_000],
    ["Miễn phí", 0],
    ["Không", 0],
    ["50.000", 50_000],
    ["1.500", 1_500],
    ["Phí: 0 Đồng\nLệ phí: 50.000 Đồng", 50_000],
    ["Phí: 10.000 Đồng\r\nLệ phí: Miễn phí", 10_000],
    ["Phí: 10.000 Đồng, Lệ phí: 20.000 Đồng", 30_000],
    ["50.000đ", 50_000],
    ["0đ", 0],
    ["Lệ phí: Miễn phí", 0],
    ["Phí: Không", 0],
    ["100.000 đồng/hồ sơ", 100_000],
    ["100.000 đồng/01 bộ hồ sơ", 100_000],
  ])("reads the fee %j", (text, expected) => {
    expect(parseFeeText(text)).toEqual({ value: expected });
  });

  it.each([
    ["Không quy định", /names no amount; the payment request needs one/],
    ["Theo quy định của HĐND tỉnh", /names no amount/],
    ["0,5% giá trị hợp đồng", /is a share of a value, which depends on the case/],
    ["2.000 đồng/trang", /is a rate per unit/],
    ["50,5 đồng", /is not an amount the platform reads/],
    ["10 USD", /is not an amount the platform reads/],
    ["Lệ phí: theo quy định", /is not an amount the platform reads/],
  ])("refuses the fee %j, saying why", (text, reason) => {
    const parsed = parseFeeText(text);
    expect("problem" in parsed && parsed.problem).toMatch(reason);
  });

  it("reads the online-service level", () => {
    expect(parseOnlineServiceText("Toàn trình")).toEqual({ value: "full" });
    expect(parseOnlineServiceText("DVC trực tuyến một phần")).toEqual({ value: "partial" });
    expect(parseOnlineServiceText("Cung cấp thông tin")).toEqual({ value: "none" });
    expect(parseOnlineServiceText("Không")).toEqual({ value: "none" });
    expect(parseOnlineServiceText("")).toEqual({ value: undefined });
    // The levels before Decree 42/2022.
    expect(parseOnlineServiceText("Mức độ 4")).toEqual({ value: "full" });
    expect(parseOnlineServiceText("Mức độ 3")).toEqual({ value: "partial" });
    expect(parseOnlineServiceText("Mức độ 2")).toEqual({ value: "none" });
    expect(parseOnlineServiceText("Mức độ 5")).toEqual({
      problem: expect.stringMatching(/not an online-service level/),
    });
  });
});

describe("a portal-style catalog", () => {
  const units = sampleUnits();
  const MUONG_LAT = "14845";

  it("adds the agency kinds its rows name, with per-channel terms, legal basis, result and online level", () => {
    const catalog = parseCatalogCsv(
      [
        HEADER,
        ROW({}),
        ROW({
          code: "2.001234",
          name: "Đăng ký thuế lần đầu",
          field: "Thuế",
          competentAgency: "Thuế tỉnh",
          agencyMark: "THUE",
          processingTimeInPerson: "3 ngày làm việc",
          processingTimeOnline: "",
          feeInPerson: "Miễn phí",
          feeOnline: "",
          onlineService: "Một phần",
        }),
        ROW({
          code: "1.000123",
          name: "Xác nhận thông tin hộ tịch",
          field: "Hộ tịch",
          level: "commune",
          competentAgency: "Ủy ban nhân dân cấp xã",
          processingTimeInPerson: "Trong ngày",
          processingTimeOnline: "",
          cutoffHour: "15",
          feeInPerson: "Phí: 0 Đồng",
          feeOnline: "",
          onlineService: "",
        }),
      ].join("\n"),
    );
    const at = vietnamDate(2026, 1, 5);
    const science = catalog.get("1.004446", at);
    expect(science).toMatchObject({
      agencyKind: "so_khoa_hoc_va_cong_nghe",
      processingTime: { value: 15, unit: "working_days" },
      fee: 50_000,
      online: { processingTime: { value: 10, unit: "working_days" }, fee: 25_000 },
      onlineService: "full",
      legalBasis: ["Luật Khoa học và Công nghệ 2013", "Nghị định 08/2014/NĐ-CP"],
      resultType: "Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
    });
    expect(termsFor(science, "online")).toEqual({ processingTime: { value: 10, unit: "working_days" }, fee: 25_000 });
    expect(termsFor(science, "in_person")).toEqual({
      processingTime: { value: 15, unit: "working_days" },
      fee: 50_000,
    });
    // Online and in person alike: no online terms are kept.
    expect(catalog.get("2.001234", at).online).toBeUndefined();
    // The commune committee, known by its name as the portal writes it; the cut-off on the same-day limit.
    expect(catalog.get("1.000123", at)).toMatchObject({
      agencyKind: "commune_people_committee",
      processingTime: { value: 1, unit: "same_day", cutoffHour: 15 },
    });
    expect(catalog.agencyKinds.added()).toEqual([
      { kind: "so_khoa_hoc_va_cong_nghe", name: "Sở Khoa học và Công nghệ", level: "province", mark: "SKHCN" },
      { kind: "thue", name: "Thuế", level: "province", mark: "THUE" },
    ]);
    expect(
      resolveCompetentAuthority({
        procedure: science,
        applicantCommuneCode: MUONG_LAT,
        units,
        agencyKinds: catalog.agencyKinds,
      }),
    ).toMatchObject({ code: "38.SKHCN", name: "Sở Khoa học và Công nghệ tỉnh Thanh Hoá", level: "province" });

    // What is installed reads back the same, its kinds with it.
    const installed = JSON.parse(
      JSON.stringify({ agencyKinds: catalog.agencyKinds.added(), procedures: catalog.all() }),
    ) as unknown;
    const reread = parseCatalog(installed);
    expect(reread.all()).toEqual(catalog.all());
    expect(reread.agencyKinds.added()).toEqual(catalog.agencyKinds.added());
  });

  it("names the row, the column and the reason of each refused portal value and agency", () => {
    const csv = [
      HEADER,
      ROW({ processingTimeInPerson: "Không quy định" }),
      ROW({ code: "1.000002", feeOnline: "0,5% giá trị" }),
      // Sở Ngoại vụ's initials are Sở Nội vụ's built-in mark.
      ROW({ code: "1.000003", competentAgency: "Sở Ngoại vụ" }),
      ROW({ code: "1.000004", agencyKind: "department_of_ethnic_affairs", competentAgency: "" }),
      ROW({ code: "1.000005", onlineService: "" }),
      ROW({ code: "1.000007", onlineService: "Cung cấp thông tin" }),
      ROW({ code: "1.000006", level: "commune", competentAgency: "Sở Tư pháp" }),
    ].join("\n");
    expect(violationsOf(() => parseCatalogCsv(csv))).toEqual([
      expect.stringMatching(/^row 2 \(1\.004446\) processingTimeInPerson: "Không quy định" sets no time limit/),
      expect.stringMatching(/^row 3 \(1\.000002\) feeOnline: "0,5% giá trị" is a share of a value/),
      'row 4 (1.000003) competentAgency: its stand-in code mark SNV is already "Sở Nội vụ"\'s (department_of_home_affairs): give the kind its own mark',
      expect.stringMatching(
        /^row 5 \(1\.000004\) agencyKind: "department_of_ethnic_affairs" is no agency kind of the catalog: name its agency in competentAgency/,
      ),
      "row 6 (1.000005) processingTimeOnline: gives online terms for a procedure not offered online: set onlineService (Toàn trình or Một phần)",
      "row 7 (1.000007) processingTimeOnline: gives online terms for a procedure not offered online: set onlineService (Toàn trình or Một phần)",
      "row 8 (1.000006) competentAgency: names an agency of the province level",
    ]);
  });

  it("refuses a kind named at two levels and a key reused for another agency", () => {
    const csv = [
      HEADER,
      ROW({}),
      ROW({ code: "1.000002", level: "commune", agencyKind: "so_khoa_hoc_va_cong_nghe", competentAgency: "" }),
      ROW({ code: "1.000003", agencyKind: "so_khoa_hoc_va_cong_nghe", agencyMark: "KHCN" }),
    ].join("\n");
    expect(violationsOf(() => parseCatalogCsv(csv))).toEqual([
      "row 3 (1.000002) agencyKind: agency kind does not sit at this level",
      'row 4 (1.000003) agencyMark: is not the mark SKHCN of the kind "Sở Khoa học và Công nghệ" (so_khoa_hoc_va_cong_nghe)',
    ]);
  });

  it("reads a JSON catalog that declares its kinds, with portal texts in place of numbers", () => {
    const catalog = parseCatalog({
      agencyKinds: [
        {
          kind: "industrial_zone_board",
          name: "Ban Quản lý Khu kinh tế Nghi Sơn và các khu công nghiệp",
          level: "province",
          mark: "BQLKKT",
        },
      ],
      procedures: [
        {
          code: "1.009876",
          version: 1,
          validFrom: "2025-07-01",
          name: "Cấp Giấy chứng nhận đăng ký đầu tư",
          field: "Đầu tư",
          level: "province",
          agencyKind: "industrial_zone_board",
          processingTime: "15 ngày",
          fee: "Phí: 0 Đồng",
          online: { processingTime: "10 ngày" },
          onlineService: "Toàn trình",
          requiredDocuments: [],
          formFields: [],
          allowsSuspension: false,
          allowsExtension: true,
        },
      ],
    });
    expect(catalog.get("1.009876", vietnamDate(2026, 1, 5))).toMatchObject({
      processingTime: { value: 15, unit: "calendar_days" },
      online: { processingTime: { value: 10, unit: "calendar_days" }, fee: 0 },
    });
    expect(
      violationsOf(() =>
        parseCatalog({ agencyKinds: [{ kind: "Bad Kind", name: "Sở X", level: "ward" }], procedures: [] }),
      ),
    ).toEqual([
      "agencyKinds[0] kind: must be a key of a-z, 0-9 and _ starting with a letter",
      expect.stringMatching(/^agencyKinds\[0\] level: /),
    ]);
  });
});

describe("a portal-style catalog as provinces spell it", () => {
  const at = vietnamDate(2026, 1, 5);
  const NFD = (text: string): string => text.normalize("NFD");

  it("knows the built-in agencies under their place, abbreviations, tone placements, NFD and extra spaces", () => {
    const catalog = parseCatalogCsv(
      [
        HEADER,
        ROW({ code: "1.000001", competentAgency: "Sở Tư pháp tỉnh Thanh Hóa" }),
        ROW({ code: "1.000002", level: "commune", competentAgency: "UBND xã" }),
        ROW({ code: "1.000003", competentAgency: "Sở Văn hoá, Thể thao và Du lịch" }),
        ROW({ code: "1.000004", level: "commune", competentAgency: "Uỷ ban nhân dân cấp xã" }),
        ROW({ code: "1.000005", competentAgency: NFD("  Sở   Tư pháp  ") }),
        ROW({ code: "1.000006", level: "commune", competentAgency: "UBND xã Mường Lát" }),
        ROW({ code: "1.000007", agencyKind: "department_of_justice", competentAgency: "Sở Tư pháp" }),
        // "xã hội" is no commune: the kind keeps its name, without the province.
        ROW({ code: "1.000008", competentAgency: "Bảo hiểm xã hội tỉnh Thanh Hoá" }),
        ROW({ code: "1.000009", competentAgency: "BHXH tỉnh" }),
      ].join("\n"),
    );
    expect(
      ["1.000001", "1.000002", "1.000003", "1.000004", "1.000005", "1.000006", "1.000007", "1.000008", "1.000009"].map(
        (code) => catalog.get(code, at).agencyKind,
      ),
    ).toEqual([
      "department_of_justice",
      "commune_people_committee",
      "department_of_culture_sports_and_tourism",
      "commune_people_committee",
      "department_of_justice",
      "commune_people_committee",
      "department_of_justice",
      "bao_hiem_xa_hoi",
      "bao_hiem_xa_hoi",
    ]);
    expect(catalog.agencyKinds.added()).toEqual([
      { kind: "bao_hiem_xa_hoi", name: "Bảo hiểm xã hội", level: "province", mark: "BHXH" },
    ]);
  });

  it("refuses an agency the row's level or kind contradicts", () => {
    const csv = [
      HEADER,
      ROW({ code: "1.000001", competentAgency: "UBND xã" }),
      ROW({ code: "1.000002", level: "commune", competentAgency: "Sở Tư pháp tỉnh Thanh Hóa" }),
      ROW({ code: "1.000003", agencyKind: "department_of_justice", competentAgency: "Sở Y tế" }),
    ].join("\n");
    expect(violationsOf(() => parseCatalogCsv(csv))).toEqual([
      "row 2 (1.000001) competentAgency: names an agency of the commune level",
      "row 3 (1.000002) competentAgency: names an agency of the province level",
      'row 4 (1.000003) competentAgency: "Sở Y tế" is not the agency of the kind department_of_justice ("Sở Tư pháp"): correct one of them',
    ]);
  });

  it("reads a plain number in a fee column in đồng, with its thousands", () => {
    const catalog = parseCatalogCsv(
      [
        HEADER,
        ROW({ code: "1.000001", feeInPerson: "50.000", feeOnline: "1.500" }),
        ROW({ code: "1.000002", feeInPerson: "100.000", feeOnline: "50000" }),
      ].join("\n"),
    );
    expect(termsFor(catalog.get("1.000001", at), "in_person").fee).toBe(50_000);
    expect(termsFor(catalog.get("1.000001", at), "online").fee).toBe(1_500);
    expect(termsFor(catalog.get("1.000002", at), "in_person").fee).toBe(100_000);
    expect(termsFor(catalog.get("1.000002", at), "online").fee).toBe(50_000);
  });

  it("refuses a misspelt field or column by name, rather than dropping the online terms", () => {
    const procedure = {
      code: "1.000001",
      version: 1,
      validFrom: "2025-07-01",
      name: "Thủ tục",
      field: "Hộ tịch",
      level: "commune",
      agencyKind: "commune_people_committee",
      processingTime: "15 ngày làm việc",
      fee: 0,
      onlineService: "Toàn trình",
      requiredDocuments: [],
      formFields: [],
      allowsSuspension: false,
      allowsExtension: true,
    };
    expect(
      violationsOf(() =>
        parseCatalog([
          { ...procedure, feeOnlne: 0, online: { processingTme: "5 ngày làm việc" } },
          { ...procedure, code: "1.000002", processingTime: { value: 3, unit: "working_days", hours: 2 } },
        ]),
      ),
    ).toEqual([
      "procedures[0] (1.000001) online.processingTme: is not a field of the catalog (misspelt?): see docs/catalog/README.md",
      "procedures[0] (1.000001) feeOnlne: is not a field of the catalog (misspelt?): see docs/catalog/README.md",
      "procedures[1] (1.000002) processingTime.hours: is not a field of the catalog (misspelt?): see docs/catalog/README.md",
    ]);
    expect(violationsOf(() => parseCatalog({ procedures: [procedure], agencyKind: [] }))).toEqual([
      "(root): must be an array of procedures or { agencyKinds?: [...], procedures: [...] } and nothing else",
    ]);
    const misspelt = [
      HEADER.replace("feeOnline", "feeOnlne").replace("processingTimeOnline", "processingTimeOnlin"),
      ROW({}),
    ].join("\n");
    expect(violationsOf(() => parseCatalogCsv(misspelt))).toEqual([
      "processingTimeOnlin: is not a column of the catalog (misspelt?): see docs/catalog/README.md",
      "feeOnlne: is not a column of the catalog (misspelt?): see docs/catalog/README.md",
    ]);
    const bothFormats = [`${HEADER},fee`, `${ROW({})},0`].join("\n");
    expect(violationsOf(() => parseCatalogCsv(bothFormats))).toEqual([
      "fee: is a column of the first format, in a file with processingTimeInPerson: keep one set of terms",
    ]);
  });

  it("names the column a row filled when it gives online terms for a procedure not offered online", () => {
    const csv = [HEADER, ROW({ processingTimeOnline: "", feeOnline: "Lệ phí: 25.000 Đồng", onlineService: "" })].join(
      "\n",
    );
    expect(violationsOf(() => parseCatalogCsv(csv))).toEqual([
      "row 2 (1.004446) feeOnline: gives online terms for a procedure not offered online: set onlineService (Toàn trình or Một phần)",
    ]);
  });

  it("tells a bad declared kind together with the rows' problems, and refuses a second kind of one name", () => {
    const violations = violationsOf(() =>
      parseCatalog({
        agencyKinds: [
          { kind: "Bad Kind", name: "Sở X", level: "province" },
          { kind: "justice_again", name: "Sở Tư pháp", level: "province", mark: "STP2" },
        ],
        procedures: [{ code: "1.000001" }],
      }),
    );
    expect(violations.filter((v) => v.startsWith("agencyKinds"))).toEqual([
      "agencyKinds[0] kind: must be a key of a-z, 0-9 and _ starting with a letter",
      'agencyKinds[1] mark: "Sở Tư pháp" is already the kind department_of_justice of the province level',
    ]);
    expect(violations).toContainEqual(expect.stringMatching(/^procedures\[0\] \(1\.000001\) version: /));
  });

  it("refuses a same-day cut-off given twice", () => {
    const catalog = (cutoffHour: number | undefined) =>
      parseCatalog([
        {
          code: "1.000001",
          version: 1,
          validFrom: "2025-07-01",
          name: "Thủ tục",
          field: "Hộ tịch",
          level: "commune",
          agencyKind: "commune_people_committee",
          processingTime: { value: 1, unit: "same_day", cutoffHour: 15 },
          ...(cutoffHour !== undefined && { cutoffHour }),
          fee: 0,
          requiredDocuments: [],
          formFields: [],
          allowsSuspension: false,
          allowsExtension: true,
        },
      ]);
    expect(catalog(undefined).get("1.000001", at).processingTime.cutoffHour).toBe(15);
    expect(violationsOf(() => catalog(14))).toEqual([
      "procedures[0] (1.000001) cutoffHour: is given twice, here and in processingTime: give it once",
    ]);
  });
});
