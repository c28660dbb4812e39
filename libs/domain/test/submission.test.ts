import { assertValidSubmission, sampleCatalog, validateSubmission } from "../src";

const marriage = sampleCatalog().get("1.000894");
const valid = {
  applicantFullName: "Nguyễn Văn An",
  applicantCitizenId: "038095001234",
  husbandFullName: "Nguyễn Văn An",
  husbandCitizenId: "038095001234",
  wifeFullName: "Lê Thị Bình",
  wifeCitizenId: "038195004321",
};

describe("submission against the form schema", () => {
  it("accepts a complete form and drops empty optional fields", () => {
    expect(validateSubmission(marriage, { ...valid, applicantPhone: "" })).toEqual({ ok: true, values: valid });
    expect(validateSubmission(marriage, { ...valid, applicantPhone: "0912345678" })).toMatchObject({
      ok: true,
      values: { applicantPhone: "0912345678" },
    });
  });

  it("lists every violation by field without echoing values", () => {
    const form = {
      ...valid,
      wifeCitizenId: "03819500432",
      applicantPhone: "12",
      husbandFullName: "  ",
      nickname: "An",
    } as Record<string, unknown>;
    delete form.wifeFullName;
    const check = validateSubmission(marriage, form);
    expect(check.ok).toBe(false);
    const violations = check.ok ? [] : check.violations;
    expect(violations).toEqual(
      expect.arrayContaining([
        { field: "wifeCitizenId", reason: "does not match the expected format of Số định danh cá nhân bên nữ" },
        { field: "applicantPhone", reason: "does not match the expected format of Số điện thoại" },
        { field: "husbandFullName", reason: "is required" },
        { field: "wifeFullName", reason: "is required" },
        { field: "nickname", reason: "not a field of procedure 1.000894" },
      ]),
    );
    expect(violations).toHaveLength(5);
    expect(JSON.stringify(violations)).not.toMatch(/03819500432|Nguyễn|Bình/);
  });

  it("refuses non-text values and a non-object form", () => {
    expect(validateSubmission(marriage, { ...valid, wifeCitizenId: 38195004321 })).toEqual({
      ok: false,
      violations: [{ field: "wifeCitizenId", reason: "must be text" }],
    });
    expect(validateSubmission(marriage, null)).toMatchObject({ ok: false, violations: [{ field: "(form)" }] });
  });

  it("throws INVALID_ARGUMENT with field violations from assertValidSubmission", () => {
    expect(() => assertValidSubmission(marriage, { ...valid, husbandCitizenId: "x" })).toThrow(
      expect.objectContaining({
        code: "INVALID_ARGUMENT",
        violations: [expect.objectContaining({ field: "husbandCitizenId" })],
      }),
    );
    expect(assertValidSubmission(marriage, valid)).toEqual(valid);
  });
});
