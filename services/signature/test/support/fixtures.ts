import type { ResultDocumentInput } from "../../src/pdf";

export const TRACKING_URL = "https://dichvucong.thanhhoa.gov.vn/tra-cuu-ho-so/000.00.06.H56-261121-0361";

/** A decided birth registration in Mường Lát; the name is invented. */
export function sampleResult(overrides: Partial<ResultDocumentInput> = {}): ResultDocumentInput {
  return {
    authorityName: "Ủy ban nhân dân xã Mường Lát",
    placeName: "Mường Lát",
    dossierCode: "000.00.06.H56-261121-0361",
    procedureName: "Đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới",
    applicantFullName: "Nguyễn Thị Thuỳ Dương",
    approved: true,
    summary:
      "Hồ sơ đầy đủ, hợp lệ. Đồng ý cấp Giấy khai sinh bản chính và 02 bản sao; công dân nhận kết quả " +
      "tại Trung tâm Phục vụ hành chính công xã hoặc qua dịch vụ bưu chính công ích.",
    // 10:15 in Vietnam (UTC+7).
    decidedAt: new Date("2026-11-21T03:15:00Z"),
    officialId: "official-demo",
    trackingUrl: TRACKING_URL,
    ...overrides,
  };
}
