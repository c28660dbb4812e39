import { z } from "zod";
import {
  DOSSIER_STATUSES,
  codePointName,
  isPrintableCodePoint,
  malformedTextReason,
  printableCodePoints,
  refinePrintable,
  unprintableReason,
} from "../src";

describe("printable text", () => {
  it("prints every Vietnamese letter with every tone mark, in both cases", () => {
    const vowels = "aăâeêioôơuưy";
    const tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"];
    const letters = [...vowels, ...vowels.toUpperCase()].flatMap((vowel) =>
      tones.map((tone) => (vowel + tone).normalize("NFC")),
    );
    expect(letters).toHaveLength(2 * 12 * 6);
    for (const letter of [...letters, "đ", "Đ"]) {
      expect({ letter, reason: unprintableReason(letter) }).toEqual({ letter, reason: undefined });
    }
    for (const status of Object.values(DOSSIER_STATUSES)) expect(unprintableReason(status.vi)).toBeUndefined();
  });

  it("prints foreign applicants' Latin names, digits and typographic punctuation", () => {
    for (const text of ["François Müller-Øster Ñúñez", "Łukasz Żółć", "“Số № 12/2026” – 50.000 ₫…", "José O’Brien"]) {
      expect(unprintableReason(text)).toBeUndefined();
    }
  });

  it.each([
    ["an emoji", "Lò Văn Páo 😀", "contains a character the result document cannot print: U+1F600"],
    ["a CJK character", "Nguyễn 阮", "contains a character the result document cannot print: U+962E"],
    ["a combining mark with no precomposed letter", "Nguyê\u0303\u0301n", "U+0301"],
    ["a zero-width joiner", "Lò\u200dVăn", "contains a character the result document cannot print: U+200D"],
    ["a soft hyphen", "Nguyễn\u00adThị", "U+00AD"],
    ["the replacement character left by a bad decoder", "Nguy\ufffdn", "U+FFFD"],
    ["a NUL", "Lò\u0000Văn", "contains a control character: U+0000"],
    ["a bell", "Lò\u0007Văn", "contains a control character: U+0007"],
    ["a C1 control", "Lò\u0085Văn", "contains a control character: U+0085"],
    ["a line break in a name", "Lò\nVăn", "contains a control character: U+000A"],
    ["a lone high surrogate", "Lò \ud83d", "contains a lone surrogate, which is not text: U+D83D"],
    ["a lone low surrogate", "\ude00 Văn", "contains a lone surrogate, which is not text: U+DE00"],
  ])("refuses %s, naming the code point and not the text", (_label, text, reason) => {
    const refused = unprintableReason(text.normalize("NFC"));
    expect(refused).toContain(reason);
    expect(refused).not.toContain("Lò");
    expect(refused).not.toContain("Văn");
  });

  it("allows line breaks and tabs in paragraphs, and nothing else that does not print", () => {
    expect(unprintableReason("Điều 1.\r\nĐiều 2.\n\tĐiều 3.", { multiline: true })).toBeUndefined();
    expect(unprintableReason("Điều 1.\u000bĐiều 2.", { multiline: true })).toBe("contains a control character: U+000B");
    expect(unprintableReason("Điều 1 😀", { multiline: true })).toMatch(/U\+1F600$/);
  });

  it("tells well-formed text, which need not print, from text with lone surrogates or controls", () => {
    expect(malformedTextReason("Bản Mường Lát 阮 😀")).toBeUndefined();
    expect(malformedTextReason("Dòng 1\nDòng 2", { multiline: true })).toBeUndefined();
    expect(malformedTextReason("Dòng 1\nDòng 2")).toBe("contains a control character: U+000A");
    expect(malformedTextReason("x\ud800")).toBe("contains a lone surrogate, which is not text: U+D800");
    expect(malformedTextReason("x\u001b[31m")).toBe("contains a control character: U+001B");
    // What a lenient decoder leaves where the bytes were not UTF-8: the text is already lost.
    expect(malformedTextReason("Nguy\ufffdn")).toBe(
      "contains U+FFFD, which replaces bytes that were not UTF-8: send the text as UTF-8",
    );
  });

  it("lists the repertoire in order, without controls, surrogates or the soft hyphen", () => {
    const codePoints = printableCodePoints();
    expect(codePoints).toEqual([...codePoints].sort((a, b) => a - b));
    expect(new Set(codePoints).size).toBe(codePoints.length);
    expect(codePoints.every(isPrintableCodePoint)).toBe(true);
    for (const excluded of [0x00, 0x0a, 0x7f, 0x85, 0xad, 0xd800, 0x200b, 0xfffd, 0x1f600]) {
      expect(codePoints).not.toContain(excluded);
    }
    expect(codePointName(0x1f600)).toBe("U+1F600");
    expect(codePointName(0x7)).toBe("U+0007");
  });

  it("plugs into a zod schema after NFC normalisation", () => {
    const name = z.string().normalize("NFC").trim().superRefine(refinePrintable());
    expect(name.parse(" Nguye\u0302\u0303n Văn A ")).toBe("Nguyễn Văn A");
    const refused = name.safeParse("Nguyễn 😀");
    expect(refused.error?.issues).toEqual([
      expect.objectContaining({ code: "custom", message: expect.stringMatching(/U\+1F600$/) }),
    ]);
  });
});
