/**
 * Vietnamese mobile numbers as gateways take them: 84 and nine digits
 * (0912 345 678, +84 912 345 678 and 84912345678 are one number). Mobile
 * prefixes after the country code start with 3, 5, 7, 8 or 9 (since the 2018
 * renumbering).
 */
const MOBILE = /^84[35789]\d{8}$/;

/** The number in 84… form, or undefined when it is not a Vietnamese mobile number. */
export function gatewayPhone(phone: string): string | undefined {
  const digits = phone.replace(/[\s.()-]/g, "");
  const international = digits.startsWith("+84")
    ? digits.slice(1)
    : digits.startsWith("0")
      ? `84${digits.slice(1)}`
      : digits;
  return MOBILE.test(international) ? international : undefined;
}
