// Interval text as PostgreSQL writes and reads it ('5 min', '1 hour 30 minutes', '00:00:30',
// '1 day 02:00:00', '@ 2 hours'), plus ISO 8601 durations (PT5M). An interval here is an exact
// duration: a day is 24 hours and a week 7 days. Months and years are refused: their length
// depends on the date, and a schedule that must follow the calendar is a cron expression.
import { err, ok, type Result } from '../result';
import { DAY, HOUR, MINUTE, SECOND } from './civil-time';
import { quote, shorten } from './quote';
import { scheduleError, type ScheduleError } from './types';

const UNITS: ReadonlyArray<[RegExp, number, string]> = [
  [/^(us|usecs?|microseconds?|microsecs?|µs)$/, 0.001, 'microsecond'],
  [/^(ms|msecs?|milliseconds?|millisecs?)$/, 1, 'millisecond'],
  [/^(s|secs?|seconds?)$/, SECOND, 'second'],
  [/^(m|mins?|minutes?)$/, MINUTE, 'minute'],
  [/^(h|hrs?|hours?)$/, HOUR, 'hour'],
  [/^(d|days?)$/, DAY, 'day'],
  [/^(w|weeks?)$/, 7 * DAY, 'week'],
];
const CALENDAR_UNITS = /^(mons?|months?|y|yrs?|years?|decades?|centurys?|centuries|millenniums?|millennia)$/;
const ALLOWED = 'microseconds, milliseconds, seconds, minutes, hours, days or weeks';

/** Intervals longer than this are refused: nothing the scheduler times needs more than a century. */
export const MAX_INTERVAL_MS = 36_525 * DAY;

const NUMBER = String.raw`(\d+(?:\.\d*)?|\.\d+)`;
const QUANTITY = new RegExp(String.raw`^${NUMBER}\s*([a-zµ]+)`);
const CLOCK = /^(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?(?![\d:])/;
const ISO = /^p(?:(\d+(?:\.\d+)?)y)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)w)?(?:(\d+(?:\.\d+)?)d)?(?:t(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?)?$/;

/**
 * Parses an interval to milliseconds (≥ 0, rounded to the millisecond). `field` names the input
 * in error messages (`max_run_time`, `schedule`, …). Never throws.
 */
export function parseInterval(text: string, field = 'interval'): Result<number, ScheduleError> {
  const fail = (problem: string) =>
    err(scheduleError('invalid_schedule', field, `${field}: ${problem} in ${quote(text)}`));
  if (typeof text !== 'string') return err(scheduleError('invalid_schedule', field, `${field}: must be text such as '5 minutes'`));
  let rest = text.trim().toLowerCase();
  if (rest === '') return fail(`is empty; write an interval such as '5 minutes' or '00:05:00'`);
  if (rest.startsWith('p')) return parseIso(rest, fail);
  if (rest.startsWith('@')) rest = rest.slice(1).trimStart();
  if (/\bago$/.test(rest) || rest.startsWith('-') || /\s-/.test(rest)) return fail('is negative; an interval here must be zero or more');

  let total = 0;
  const seen = new Set<string>();
  let sawClock = false;
  while (rest.length > 0) {
    rest = rest.replace(/^\+/, '');
    const clock = CLOCK.exec(rest);
    if (clock !== null) {
      if (sawClock) return fail('has two clock times (hh:mm:ss)');
      sawClock = true;
      const minutes = Number(clock[2]);
      const seconds = clock[3] === undefined ? 0 : Number(clock[3]);
      if (minutes > 59 || seconds >= 60) return fail(`${quote(clock[0])} is not a valid clock time (minutes and seconds are 0-59)`);
      total += Number(clock[1]) * HOUR + minutes * MINUTE + seconds * SECOND;
      rest = rest.slice(clock[0].length).trimStart();
      continue;
    }
    const quantity = QUANTITY.exec(rest);
    if (quantity === null) {
      const token = rest.split(/\s+/)[0] as string;
      if (/^[\d.]+$/.test(token)) return fail(`${quote(token)} has no unit; write e.g. '${shorten(token)} seconds'`);
      return fail(`${quote(token)} is not a number followed by a unit (${ALLOWED})`);
    }
    const unitText = quantity[2] as string;
    if (CALENDAR_UNITS.test(unitText)) {
      return fail(`${quote(unitText)} has no fixed length; use days or weeks, or a cron expression such as '0 0 1 * *' for monthly`);
    }
    const unit = UNITS.find(([pattern]) => pattern.test(unitText));
    if (unit === undefined) return fail(`${quote(unitText)} is not a unit; use ${ALLOWED}`);
    if (seen.has(unit[2])) return fail(`${unit[2]}s are given twice`);
    seen.add(unit[2]);
    total += Number(quantity[1]) * unit[1];
    rest = rest.slice(quantity[0].length).trimStart();
  }
  return finish(total, fail);
}

/**
 * True when some word of `text` is an interval unit or a clock time (`5 min`, `1h30m`, `02:00`,
 * `ago`): such text is read as an interval even when it has as many fields as a cron line. Two
 * words are cron's before they are units: a bare `mon` (Monday) and `15w` (the weekday nearest
 * the 15th); `1mon` and `2 w` are units.
 */
export function mentionsIntervalUnit(text: string): boolean {
  return text
    .toLowerCase()
    .split(/\s+/)
    .some((word) => {
      if (/^\d+:\d/.test(word) || word === 'ago') return true;
      const m = /^([\d.]*)([a-zµ]+)$/.exec(word);
      if (m === null || (m[1] === '' && m[2] === 'mon') || (m[1] !== '' && m[2] === 'w')) return false;
      const letters = m[2] as string;
      return CALENDAR_UNITS.test(letters) || UNITS.some(([pattern]) => pattern.test(letters));
    });
}

function parseIso(
  text: string,
  fail: (problem: string) => Result<never, ScheduleError>,
): Result<number, ScheduleError> {
  const m = ISO.exec(text);
  if (m === null || text === 'p' || text.endsWith('t')) {
    return fail(`is not an ISO 8601 duration like PT5M or P1DT2H`);
  }
  const [, years, months, weeks, days, hours, minutes, seconds] = m;
  if ((years !== undefined && Number(years) !== 0) || (months !== undefined && Number(months) !== 0)) {
    return fail(`years and months have no fixed length; use days or weeks, or a cron expression such as '0 0 1 * *' for monthly`);
  }
  const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
  return finish(
    n(weeks) * 7 * DAY + n(days) * DAY + n(hours) * HOUR + n(minutes) * MINUTE + n(seconds) * SECOND,
    fail,
  );
}

function finish(total: number, fail: (problem: string) => Result<never, ScheduleError>): Result<number, ScheduleError> {
  const ms = Math.round(total);
  if (!Number.isFinite(ms) || ms > MAX_INTERVAL_MS) return fail('is longer than 100 years');
  return ok(ms);
}

/** `1 hour 30 minutes`-style text of a duration, for messages and warnings. */
export function describeInterval(ms: number): string {
  if (ms === 0) return '0 seconds';
  const parts: string[] = [];
  let rest = ms;
  for (const [size, name] of [
    [DAY, 'day'],
    [HOUR, 'hour'],
    [MINUTE, 'minute'],
    [SECOND, 'second'],
    [1, 'millisecond'],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    rest -= n * size;
  }
  return parts.join(' ');
}
