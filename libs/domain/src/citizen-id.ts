/**
 * Citizen ID (số định danh cá nhân / CCCD): 12 digits. The prefix is the birth
 * province under the numbering in force when the number was issued; numbers
 * never change, so the prefix is deliberately not checked against today's 34
 * provinces. Messages never echo the value: it is personal data.
 */
const CITIZEN_ID = /^\d{12}$/;

/** undefined when valid, otherwise the reason (without the value). */
export function validateCitizenId(value: string): string | undefined {
  if (typeof value !== "string") return "must be a string of 12 digits";
  return CITIZEN_ID.test(value) ? undefined : "must be exactly 12 digits";
}

/** Last four characters: the second factor for public status lookup. */
export function lastFour(value: string): string {
  return value.slice(-4);
}

/** "********1234": everything but the last four replaced, for display only. */
export function maskCitizenId(value: string): string {
  return "*".repeat(Math.max(0, value.length - 4)) + lastFour(value);
}
