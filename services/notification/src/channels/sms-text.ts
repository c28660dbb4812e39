import { SegmentedMessage } from "sms-segments-calculator";
import type { SmsMessage } from "../store/collections";

/**
 * Vietnamese without its diacritics: every mark (tones, breve, circumflex,
 * horn) is a combining character once decomposed (NFD) and is dropped; đ/Đ is
 * a letter of its own and becomes d/D. "Hồ sơ đã được tiếp nhận" → "Ho so da
 * duoc tiep nhan".
 */
export function withoutDiacritics(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFC");
}

/**
 * An SMS as the gateway will bill it. With diacritics the text is UCS-2 (70
 * characters in one segment, 67 each when concatenated); without, it is
 * stripped to GSM-7 (160, 153). Counted by Twilio's segment calculator, which
 * knows GSM-7's extension table (each of ^{}[]~|€\ counts twice).
 */
export function smsMessage(text: string, diacritics: boolean): SmsMessage {
  const smsText = (diacritics ? text : withoutDiacritics(text)).normalize("NFC");
  const segmented = new SegmentedMessage(smsText, "auto");
  return {
    smsText,
    segments: segmented.segmentsCount,
    encoding: segmented.encodingName === "GSM-7" ? "GSM-7" : "UCS-2",
  };
}
