// Proleptic Gregorian calendar arithmetic on plain numbers. A "wall" time is a local date and
// time written as milliseconds since 1970-01-01T00:00 as if it were UTC; converting between a
// wall time and an instant is the time zone's business (time-zone.ts), not this file's.

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The earliest and latest years (UTC) of the instants a schedule holds: four-digit ISO years. */
export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;

export interface CivilDate {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month] as number);
}

// Day numbers count from 1970-01-01. Both conversions shift the year to start in March, so the
// leap day is the last day of a shifted year and every shifted month has a fixed offset.

/** Days since 1970-01-01 of a calendar date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The calendar date of a day number (days since 1970-01-01). */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** Day of the week of a day number: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDays(days: number): number {
  const w = (days + 4) % 7;
  return w < 0 ? w + 7 : w;
}

export interface WallFields extends CivilDate {
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** Splits a wall time (ms) into calendar fields. */
export function wallFields(wall: number): WallFields {
  const days = Math.floor(wall / DAY);
  const inDay = wall - days * DAY;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(inDay / HOUR),
    minute: Math.floor((inDay % HOUR) / MINUTE),
    second: Math.floor((inDay % MINUTE) / SECOND),
    millisecond: inDay % SECOND,
  };
}

/** The wall time (ms) of calendar fields; fields must already be in range. */
export function wallFromFields(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  millisecond = 0,
): number {
  return daysFromCivil(year, month, day) * DAY + hour * HOUR + minute * MINUTE + second * SECOND + millisecond;
}

/** The first and last instants (UTC ms) a schedule may hold: 0001-01-01 to the end of 9999. */
export const EARLIEST_INSTANT = wallFromFields(MIN_YEAR, 1, 1);
export const LATEST_INSTANT = wallFromFields(MAX_YEAR, 12, 31, 23, 59, 59, 999);

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/**
 * An ISO 8601 year: four digits for 0000-9999, else the extended form with a sign and six digits
 * (`+010000`), as Date#toISOString writes it. Instants stay within 9999, but the local time of
 * one may not: 9999-12-31T23:30Z is 10000-01-01 in Tokyo.
 */
const isoYear = (year: number): string =>
  year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;

/** `YYYY-MM-DDTHH:MM:SS[.mmm]` of a wall time; milliseconds only when not zero. */
export function formatWall(wall: number): string {
  const f = wallFields(wall);
  const ms = f.millisecond === 0 ? '' : `.${pad3(f.millisecond)}`;
  return `${isoYear(f.year)}-${pad2(f.month)}-${pad2(f.day)}T${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}${ms}`;
}

/** `±HH:MM` (or `±HH:MM:SS` for the odd historical offset) of an offset in ms. */
export function formatOffset(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const h = Math.floor(abs / HOUR);
  const m = Math.floor((abs % HOUR) / MINUTE);
  const s = Math.floor((abs % MINUTE) / SECOND);
  return `${sign}${pad2(h)}:${pad2(m)}${s === 0 ? '' : `:${pad2(s)}`}`;
}

/** ISO 8601 UTC text of an instant, `2026-03-29T01:00:00Z`; milliseconds only when not zero. */
export function formatUtc(instant: number): string {
  return `${formatWall(instant)}Z`;
}
