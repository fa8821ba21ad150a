// Instants given by users: Date objects, or ISO 8601 text as JSON and PostgreSQL write it
// (`2026-03-29T02:30:00Z`, `2026-03-29 02:30:00+02`). Text without an offset is a wall time in
// the schedule's time zone, resolved by the same DST rules as cron (time-zone.ts).
import { err, ok, type Result } from '../result';
import { EARLIEST_INSTANT, LATEST_INSTANT, MAX_YEAR, MINUTE, HOUR, daysInMonth, formatUtc, wallFromFields } from './civil-time';
import { quote } from './quote';
import { instantOfWall } from './time-zone';

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const EXAMPLE = 'an ISO 8601 date-time such as 2026-03-29T02:30:00Z (without an offset: a wall time in the time zone)';

/**
 * Milliseconds since the epoch of a Date or ISO text; `problem` text on failure. Instants are
 * refused outside years 0001-9999 in UTC, also when an offset or the zone carries a four-digit
 * local time across (`9999-12-31T23:30:00-05:00`): every stored instant has a four-digit year.
 */
export function parseInstant(value: unknown, timezone: string): Result<number, string> {
  const t = readInstant(value, timezone);
  if (!t.ok) return t;
  if (t.value < EARLIEST_INSTANT || t.value > LATEST_INSTANT) {
    const utc = formatUtc(t.value);
    const what = value instanceof Date ? utc : `${quote(value)} is ${utc} in UTC, which`;
    const bound = t.value < EARLIEST_INSTANT ? `before ${formatUtc(EARLIEST_INSTANT)}, the earliest` : `after ${formatUtc(LATEST_INSTANT)}, the latest`;
    return err(`${what} is ${bound} instant a schedule may use`);
  }
  return t;
}

function readInstant(value: unknown, timezone: string): Result<number, string> {
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isNaN(t) ? err('is an invalid Date') : ok(t);
  }
  if (typeof value !== 'string') return err(`must be ${EXAMPLE}`);
  const m = ISO_DATE_TIME.exec(value.trim());
  if (m === null) return err(`${quote(value)} is not ${EXAMPLE}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const millisecond = frac === undefined ? 0 : Math.round(Number(`0.${frac}`) * 1000);
  if (year < 1 || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return err(`${quote(value)} is not a calendar date`);
  }
  if (hour > 23 || minute > 59 || second > 59) return err(`${quote(value)} is not a time of day (00:00:00-23:59:59)`);
  const wall = wallFromFields(year, month, day, hour, minute, second) + millisecond;
  if (zone === undefined) return ok(instantOfWall(timezone, wall));
  if (zone.toUpperCase() === 'Z') return ok(wall);
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetHours = Number(digits.slice(0, 2));
  const offsetMinutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (offsetHours > 15 || offsetMinutes > 59) return err(`${quote(value)} has an impossible UTC offset ${zone}`);
  return ok(wall - sign * (offsetHours * HOUR + offsetMinutes * MINUTE));
}

/** ISO 8601 UTC text of an instant, as stored in a Schedule. */
export const isoOf = (instant: number): string => formatUtc(instant);
