/**
 * Vietnamese lunisolar calendar (âm lịch), computed astronomically for the
 * UTC+7 meridian. The Vietnamese and Chinese calendars follow the same rules
 * but at different meridians, so they disagree in some years (e.g. Tết 2030
 * falls on 2 Feb in Vietnam, 3 Feb in China): a Chinese-calendar library would
 * put holidays on the wrong day.
 *
 * Method (as published by Hồ Ngọc Đức, from Meeus' "Astronomical
 * Algorithms"): a month starts on the local day of a new moon; month 11
 * contains the winter solstice; in a 13-month year the first month without a
 * major solar term is the leap month.
 */
const TIME_ZONE_HOURS = 7;
const SYNODIC_MONTH = 29.530588853;
/** Julian day of the new moon of 1900-01-01, the origin of the lunation count. */
const LUNATION_ORIGIN_JD = 2415021.076998695;
const RAD = Math.PI / 180;

/** Julian day number of a Gregorian date. */
export function julianDayNumber(year: number, month: number, day: number): number {
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return (
    day +
    Math.floor((153 * m + 2) / 5) +
    365 * y +
    Math.floor(y / 4) -
    Math.floor(y / 100) +
    Math.floor(y / 400) -
    32045
  );
}

/** Julian date (UT, fractional) of the k-th new moon after the one of 1900-01-01. */
function newMoonJulianDate(k: number): number {
  const t = k / 1236.85;
  const t2 = t * t;
  const t3 = t2 * t;
  const mean =
    2415020.75933 +
    29.53058868 * k +
    0.0001178 * t2 -
    0.000000155 * t3 +
    0.00033 * Math.sin((166.56 + 132.87 * t - 0.009173 * t2) * RAD);
  const sunAnomaly = (359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3) * RAD;
  const moonAnomaly = (306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3) * RAD;
  const latitudeArg = (21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3) * RAD;
  const correction =
    (0.1734 - 0.000393 * t) * Math.sin(sunAnomaly) +
    0.0021 * Math.sin(2 * sunAnomaly) -
    0.4068 * Math.sin(moonAnomaly) +
    0.0161 * Math.sin(2 * moonAnomaly) -
    0.0004 * Math.sin(3 * moonAnomaly) +
    0.0104 * Math.sin(2 * latitudeArg) -
    0.0051 * Math.sin(sunAnomaly + moonAnomaly) -
    0.0074 * Math.sin(sunAnomaly - moonAnomaly) +
    0.0004 * Math.sin(2 * latitudeArg + sunAnomaly) -
    0.0004 * Math.sin(2 * latitudeArg - sunAnomaly) -
    0.0006 * Math.sin(2 * latitudeArg + moonAnomaly) +
    0.001 * Math.sin(2 * latitudeArg - moonAnomaly) +
    0.0005 * Math.sin(2 * moonAnomaly + sunAnomaly);
  // Terrestrial minus universal time, a polynomial fit good for our range.
  const deltaT =
    t < -11
      ? 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
      : -0.000278 + 0.000265 * t + 0.000262 * t2;
  return mean + correction - deltaT;
}

/** Julian day number of the Vietnam-local day on which the k-th new moon falls. */
function newMoonDay(k: number): number {
  return Math.floor(newMoonJulianDate(k) + 0.5 + TIME_ZONE_HOURS / 24);
}

/** Which 30° sector (0–11, 0 = spring equinox) the sun is in at the start of a Vietnam-local day. */
function sunSector(dayNumber: number): number {
  const t = (dayNumber - 0.5 - TIME_ZONE_HOURS / 24 - 2451545.0) / 36525;
  const t2 = t * t;
  const meanAnomaly = (357.5291 + 35999.0503 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * RAD;
  const meanLongitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
  const centre =
    (1.9146 - 0.004817 * t - 0.000014 * t2) * Math.sin(meanAnomaly) +
    (0.019993 - 0.000101 * t) * Math.sin(2 * meanAnomaly) +
    0.00029 * Math.sin(3 * meanAnomaly);
  let longitude = (meanLongitude + centre) * RAD;
  longitude -= 2 * Math.PI * Math.floor(longitude / (2 * Math.PI));
  return Math.floor((longitude / Math.PI) * 6);
}

/** Julian day number of the first day of lunar month 11 of Gregorian year `year` (the month holding the winter solstice). */
function month11Start(year: number): number {
  const offset = julianDayNumber(year, 12, 31) - 2415021;
  const k = Math.floor(offset / SYNODIC_MONTH);
  const start = newMoonDay(k);
  // Sector 9 begins at the winter solstice; a month starting after it is month 12.
  return sunSector(start) >= 9 ? newMoonDay(k - 1) : start;
}

/** Months after month 11 at which the leap month sits, in a 13-month year starting at `a11`. */
function leapMonthOffset(a11: number): number {
  const k = Math.floor((a11 - LUNATION_ORIGIN_JD) / SYNODIC_MONTH + 0.5);
  let i = 1;
  let sector = sunSector(newMoonDay(k + i));
  let previous: number;
  do {
    previous = sector;
    i += 1;
    sector = sunSector(newMoonDay(k + i));
  } while (sector !== previous && i < 14);
  return i - 1;
}

export interface GregorianDate {
  year: number;
  month: number;
  day: number;
}

function gregorianOfJulianDay(jd: number): GregorianDate {
  const a = jd + 32044;
  const b = Math.floor((4 * a + 3) / 146097);
  const c = a - Math.floor((b * 146097) / 4);
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return {
    day: e - Math.floor((153 * m + 2) / 5) + 1,
    month: m + 3 - 12 * Math.floor(m / 10),
    year: b * 100 + d - 4800 + Math.floor(m / 10),
  };
}

/**
 * Gregorian date of a Vietnamese lunar date. `leap` selects the leap copy of
 * the month; it is ignored when that month has no leap copy in that year.
 */
export function lunarToGregorian(lunarYear: number, lunarMonth: number, lunarDay: number, leap = false): GregorianDate {
  const [a11, b11] =
    lunarMonth < 11
      ? [month11Start(lunarYear - 1), month11Start(lunarYear)]
      : [month11Start(lunarYear), month11Start(lunarYear + 1)];
  const k = Math.floor(0.5 + (a11 - LUNATION_ORIGIN_JD) / SYNODIC_MONTH);
  let offset = lunarMonth - 11;
  if (offset < 0) offset += 12;
  if (b11 - a11 > 365) {
    const leapOffset = leapMonthOffset(a11);
    let leapMonth = leapOffset - 2;
    if (leapMonth < 0) leapMonth += 12;
    if ((leap && lunarMonth === leapMonth) || offset >= leapOffset) offset += 1;
  }
  return gregorianOfJulianDay(newMoonDay(k + offset) + lunarDay - 1);
}

/** Tết Nguyên Đán: 1st day of the 1st lunar month of the lunar year beginning in `year`. */
export function lunarNewYear(year: number): GregorianDate {
  return lunarToGregorian(year, 1, 1);
}
