/**
 * What the platform can print: the repertoire of the result documents that
 * signature renders (its fonts are cut to exactly these code points). Text a
 * document will print — the applicant's name at intake, the decision's summary
 * at routing — is checked against it where it enters the platform, so a
 * dossier is never accepted with text its signed result cannot show.
 *
 * Text is compared in NFC: every Vietnamese letter with its tone mark is one
 * precomposed code point, which is how the documents print it (one glyph per
 * character); decomposed input (a base letter and combining marks) is
 * normalised first, and a combination with no precomposed form is refused.
 * Reasons name the offending code point, never the text: it may be personal
 * data.
 */

/** Inclusive ranges of printable code points. */
export const PRINTABLE_RANGES: readonly (readonly [first: number, last: number])[] = [
  // Basic Latin: space, digits, letters and punctuation.
  [0x20, 0x7e],
  // Latin-1 (no-break space, accented letters of foreign applicants' names, « » ° × …), without the soft hyphen, which must not print.
  [0xa0, 0xac],
  [0xae, 0xff],
  // Latin Extended-A, which holds Vietnamese Đ đ and the letters of other Latin alphabets.
  [0x100, 0x17f],
  // Ơ ơ and Ư ư.
  [0x1a0, 0x1a1],
  [0x1af, 0x1b0],
  // The Vietnamese vowels with their tone marks (Ạ … ỹ).
  [0x1ea0, 0x1ef9],
  // Typographic punctuation: en and em dashes, curly quotes, bullet, ellipsis.
  [0x2013, 0x2014],
  [0x2018, 0x201d],
  [0x2022, 0x2022],
  [0x2026, 0x2026],
  // The đồng sign and the numero sign (Số №).
  [0x20ab, 0x20ab],
  [0x2116, 0x2116],
];

export function isPrintableCodePoint(codePoint: number): boolean {
  return PRINTABLE_RANGES.some(([first, last]) => codePoint >= first && codePoint <= last);
}

/** Every printable code point, in order: what the document fonts must have a glyph for. */
export function printableCodePoints(): number[] {
  return PRINTABLE_RANGES.flatMap(([first, last]) => Array.from({ length: last - first + 1 }, (_, i) => first + i));
}

export interface TextCheckOptions {
  /** Paragraphs: line breaks (and tabs, which print as spaces) are allowed. */
  multiline?: boolean;
}

/** "U+1F600": how a reason names a character without showing the text around it. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}

const LINE_WHITESPACE = new Set([0x09, 0x0a, 0x0d]);

/** C0, DEL and C1 controls. */
function isControl(codePoint: number): boolean {
  return codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f);
}

function isSurrogate(codePoint: number): boolean {
  return codePoint >= 0xd800 && codePoint <= 0xdfff;
}

/** What a decoder puts where the bytes were not UTF-8 (JSON bodies and protobuf strings are decoded leniently). */
const REPLACEMENT_CHARACTER = 0xfffd;

/**
 * Why text is not well-formed, or undefined: a lone surrogate (half of a
 * UTF-16 pair, which JSON's "\ud83d" escapes can carry and UTF-8 cannot
 * encode), the replacement character (the request's bytes were not UTF-8:
 * the text is already lost) or a control character. For text that is stored
 * and passed on but not printed.
 */
export function malformedTextReason(text: string, options: TextCheckOptions = {}): string | undefined {
  for (const char of text) {
    const reason = malformedCharacterReason(char.codePointAt(0) ?? 0, options);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * Why the result document could not print this (NFC) text, or undefined: what
 * malformedTextReason refuses, then any character outside the repertoire.
 */
export function unprintableReason(text: string, options: TextCheckOptions = {}): string | undefined {
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    const malformed = malformedCharacterReason(codePoint, options);
    if (malformed !== undefined) return malformed;
    if (!isPrintableCodePoint(codePoint) && !LINE_WHITESPACE.has(codePoint)) {
      return `contains a character the result document cannot print: ${codePointName(codePoint)}`;
    }
  }
  return undefined;
}

function malformedCharacterReason(codePoint: number, options: TextCheckOptions): string | undefined {
  if (isSurrogate(codePoint)) return `contains a lone surrogate, which is not text: ${codePointName(codePoint)}`;
  if (codePoint === REPLACEMENT_CHARACTER) {
    return `contains ${codePointName(codePoint)}, which replaces bytes that were not UTF-8: send the text as UTF-8`;
  }
  if (isControl(codePoint) && !(options.multiline === true && LINE_WHITESPACE.has(codePoint))) {
    return `contains a control character: ${codePointName(codePoint)}`;
  }
  return undefined;
}

/** The shape of zod's refinement context, so the checks plug into any schema without domain exporting zod types. */
interface IssueSink {
  addIssue(issue: { code: "custom"; message: string }): void;
}

/** A zod superRefine callback: an issue with the reason when the text is not printable. */
export function refinePrintable(options: TextCheckOptions = {}): (text: string, ctx: IssueSink) => void {
  return (text, ctx) => {
    const reason = unprintableReason(text, options);
    if (reason !== undefined) ctx.addIssue({ code: "custom", message: reason });
  };
}

/** A zod superRefine callback: an issue with the reason when the text is not well-formed. */
export function refineWellFormed(options: TextCheckOptions = {}): (text: string, ctx: IssueSink) => void {
  return (text, ctx) => {
    const reason = malformedTextReason(text, options);
    if (reason !== undefined) ctx.addIssue({ code: "custom", message: reason });
  };
}
