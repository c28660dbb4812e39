/** Vietnam is UTC+7 all year (no daylight saving): quiet hours are read in its time, whatever the server's zone. */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;
const DAY_MINUTES = 24 * 60;

/** A daily window in Vietnam time, in minutes after midnight; it may span midnight (21:00–07:00). */
export interface QuietHours {
  startMinute: number;
  endMinute: number;
}

/** "21:00-07:00" → the window; undefined for text that is not one (the config refuses it). */
export function parseQuietHours(text: string): QuietHours | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) return undefined;
  const [, startHour, startMinute, endHour, endMinute] = match.map(Number) as [number, number, number, number, number];
  const window = { startMinute: startHour * 60 + startMinute, endMinute: endHour * 60 + endMinute };
  return window.startMinute === window.endMinute ? undefined : window;
}

/**
 * When a non-urgent message planned at `now` may go: the end of the quiet
 * window `now` falls in, or undefined when it is outside it (send now).
 */
export function quietUntil(now: Date, quiet: QuietHours): Date | undefined {
  const local = now.getTime() + VIETNAM_OFFSET_MS;
  const minute = Math.floor(local / 60_000) % DAY_MINUTES;
  const { startMinute, endMinute } = quiet;
  const inside =
    startMinute < endMinute ? minute >= startMinute && minute < endMinute : minute >= startMinute || minute < endMinute;
  if (!inside) return undefined;
  const minutesLeft = (endMinute - minute + DAY_MINUTES) % DAY_MINUTES;
  const startOfMinute = Math.floor(now.getTime() / 60_000) * 60_000;
  return new Date(startOfMinute + minutesLeft * 60_000);
}
