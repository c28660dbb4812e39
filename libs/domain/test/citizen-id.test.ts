import { lastFour, maskCitizenId, validateCitizenId } from "../src";

describe("citizen ID", () => {
  it("accepts exactly 12 digits", () => {
    expect(validateCitizenId("038095001234")).toBeUndefined();
  });

  it("does not check the birth-province prefix against today's provinces", () => {
    // 035 was Hà Nam, merged into Ninh Bình in 2025; the number stays valid.
    expect(validateCitizenId("035190000001")).toBeUndefined();
    expect(validateCitizenId("999190000001")).toBeUndefined();
  });

  it.each(["", "03809500123", "0380950012345", "03809500123a", " 038095001234", "038 095 001 234"])(
    "refuses %j without echoing it",
    (value) => {
      const reason = validateCitizenId(value);
      expect(reason).toBe("must be exactly 12 digits");
      expect(reason).not.toContain(value.trim() || "\u0000");
    },
  );

  it("masks all but the last four digits", () => {
    expect(maskCitizenId("038095001234")).toBe("********1234");
    expect(lastFour("038095001234")).toBe("1234");
  });
});
