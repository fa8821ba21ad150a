// Cron fields compiled into lookup tables: "the next allowed value at or after x" per time field,
// and a 31-bit mask of the matching days of a given month. Compiled once per schedule object.
import { DAY, SECOND, civilFromDays, daysFromCivil, daysInMonth, weekdayOfDays } from './civil-time';
import type { CronFields, DayMatch } from './types';

export interface CompiledCron {
  readonly nextSecond: Int8Array; // [0..60]: next allowed value ≥ index, -1 if none
  readonly nextMinute: Int8Array; // [0..60]
  readonly nextHour: Int8Array; // [0..24]
  readonly nextMonth: Int8Array; // [0..13]
  readonly firstSecond: number;
  readonly firstMinute: number;
  /** The hour field covers all 24 hours: in a repeated hour the schedule follows real time. */
  readonly allHours: boolean;
  /** Bit d-1 set when day d of that month matches (day fields and their combination rule). */
  dayMask(year: number, month: number): number;
}

function nextTable(values: readonly number[], size: number): Int8Array {
  const table = new Int8Array(size + 1).fill(-1);
  const allowed = new Set(values);
  let next = -1;
  for (let i = size - 1; i >= 0; i--) {
    if (allowed.has(i)) next = i;
    table[i] = next;
  }
  return table;
}

/** Matching days of a month with `length` days whose 1st falls on weekday `firstWeekday`. */
export function monthDayMask(fields: CronFields, dayMatch: DayMatch, length: number, firstWeekday: number): number {
  const all = length === 31 ? 0x7fffffff : (1 << length) - 1;
  let dom = 0;
  for (const d of fields.daysOfMonth) if (d <= length) dom |= 1 << (d - 1);
  for (const back of fields.lastDaysOfMonth) if (back < length) dom |= 1 << (length - 1 - back);
  const weekdayOf = (d: number): number => (firstWeekday + d - 1) % 7;
  const isWorkday = (d: number): boolean => weekdayOf(d) !== 0 && weekdayOf(d) !== 6;
  for (const d of fields.nearestWeekdays) {
    // Quartz `W`: the nearest Monday-Friday to the day, never leaving the month; like a plain
    // day number, a day the month does not have never matches.
    if (d > length) continue;
    if (isWorkday(d)) dom |= 1 << (d - 1);
    else if (weekdayOf(d) === 6) dom |= 1 << ((d === 1 ? d + 2 : d - 1) - 1);
    else dom |= 1 << ((d === length ? d - 2 : d + 1) - 1);
  }
  if (fields.lastWeekdayOfMonth) {
    let d = length;
    while (!isWorkday(d)) d--;
    dom |= 1 << (d - 1);
  }

  let dow = 0;
  if (fields.daysOfWeek.length > 0 || fields.lastDaysOfWeek.length > 0 || fields.nthDaysOfWeek.length > 0) {
    for (let d = 1; d <= length; d++) {
      const w = weekdayOf(d);
      if (
        fields.daysOfWeek.includes(w) ||
        (d + 7 > length && fields.lastDaysOfWeek.includes(w)) ||
        fields.nthDaysOfWeek.some(([weekday, n]) => weekday === w && Math.ceil(d / 7) === n)
      ) {
        dow |= 1 << (d - 1);
      }
    }
  }
  // An unrestricted field (`*`, `?`, or Vixie's `*/2`) still narrows by its values.
  if (dayMatch === 'any' && fields.dayOfMonthRestricted && fields.dayOfWeekRestricted) return (dom | dow) & all;
  return dom & dow & all;
}

/** Compiles fields for the search; pure, the caller caches. */
export function compileCron(fields: CronFields, dayMatch: DayMatch): CompiledCron {
  const maskCache = new Map<number, number>();
  const plainDays =
    !fields.dayOfMonthRestricted &&
    !fields.dayOfWeekRestricted &&
    fields.daysOfMonth.length === 31 &&
    fields.daysOfWeek.length === 7;
  return {
    nextSecond: nextTable(fields.seconds, 60),
    nextMinute: nextTable(fields.minutes, 60),
    nextHour: nextTable(fields.hours, 24),
    nextMonth: nextTable(fields.months, 13),
    firstSecond: fields.seconds[0] as number,
    firstMinute: fields.minutes[0] as number,
    allHours: fields.hours.length === 24,
    dayMask(year: number, month: number): number {
      const length = daysInMonth(year, month);
      if (plainDays) return length === 31 ? 0x7fffffff : (1 << length) - 1;
      // Only the month's length and first weekday matter: 4 × 7 shapes, cached by both.
      const firstWeekday = weekdayOfDays(daysFromCivil(year, month, 1));
      const key = length * 8 + firstWeekday;
      let mask = maskCache.get(key);
      if (mask === undefined) {
        mask = monthDayMask(fields, dayMatch, length, firstWeekday);
        maskCache.set(key, mask);
      }
      return mask;
    },
  };
}

/** True when no month shape ever matches: `0 0 30 2 *`. */
export function cronNeverFires(fields: CronFields, dayMatch: DayMatch): boolean {
  for (const month of fields.months) {
    const lengths = month === 2 ? [28, 29] : [daysInMonth(2001, month)];
    for (const length of lengths) {
      for (let firstWeekday = 0; firstWeekday < 7; firstWeekday++) {
        if (monthDayMask(fields, dayMatch, length, firstWeekday) !== 0) return false;
      }
    }
  }
  return true;
}

/** The first allowed second of the day at or after `secondOfDay`, or -1 (none left today). */
export function nextTimeOfDay(c: CompiledCron, secondOfDay: number): number {
  let hour = Math.floor(secondOfDay / 3600);
  let minute = Math.floor((secondOfDay % 3600) / 60);
  let second = secondOfDay % 60;
  for (;;) {
    const h = c.nextHour[hour] as number;
    if (h < 0) return -1;
    if (h !== hour) return h * 3600 + c.firstMinute * 60 + c.firstSecond;
    const m = c.nextMinute[minute] as number;
    if (m < 0) {
      hour += 1;
      minute = 0;
      second = 0;
      continue;
    }
    if (m !== minute) return hour * 3600 + m * 60 + c.firstSecond;
    const s = c.nextSecond[second] as number;
    if (s >= 0) return hour * 3600 + minute * 60 + s;
    minute += 1;
    second = 0;
  }
}

/**
 * nextMatchingWall's answer when nothing matches. Not -1 or any other number a wall time can be:
 * wall times before 1970 are negative.
 */
export const NO_WALL = Infinity;

/**
 * The first wall time (ms, whole seconds) at or after `from` and before `until` that matches, or
 * NO_WALL. Wall times are local calendar times; which of them exist is time-zone.ts's business.
 */
export function nextMatchingWall(c: CompiledCron, from: number, until: number): number {
  const startSeconds = Math.ceil(from / SECOND);
  let days = Math.floor((startSeconds * SECOND) / DAY);
  let secondOfDay = startSeconds - days * 86400;
  let { year, month, day } = civilFromDays(days);
  for (;;) {
    if (days * DAY >= until) return NO_WALL;
    const nextMonth = c.nextMonth[month] as number;
    if (nextMonth !== month) {
      if (nextMonth < 0) {
        year += 1;
        month = c.nextMonth[1] as number;
      } else {
        month = nextMonth;
      }
      day = 1;
      secondOfDay = 0;
      days = daysFromCivil(year, month, 1);
      continue;
    }
    const rest = c.dayMask(year, month) & ~((1 << (day - 1)) - 1);
    if (rest === 0) {
      if (month === 12) {
        year += 1;
        month = 1;
      } else {
        month += 1;
      }
      day = 1;
      secondOfDay = 0;
      days = daysFromCivil(year, month, 1);
      continue;
    }
    const matchDay = 32 - Math.clz32(rest & -rest);
    if (matchDay !== day) {
      days += matchDay - day;
      day = matchDay;
      secondOfDay = 0;
      if (days * DAY >= until) return NO_WALL;
    }
    const time = nextTimeOfDay(c, secondOfDay);
    if (time >= 0) {
      const wall = days * DAY + time * SECOND;
      return wall < until ? wall : NO_WALL;
    }
    days += 1;
    secondOfDay = 0;
    if (day === daysInMonth(year, month)) {
      if (month === 12) {
        year += 1;
        month = 1;
      } else {
        month += 1;
      }
      day = 1;
    } else {
      day += 1;
    }
  }
}

/** True when the wall time (ms) matches the fields exactly (to the second). */
export function wallMatches(c: CompiledCron, wall: number): boolean {
  if (wall % SECOND !== 0) return false;
  const days = Math.floor(wall / DAY);
  const secondOfDay = (wall - days * DAY) / SECOND;
  const { year, month, day } = civilFromDays(days);
  return (
    c.nextMonth[month] === month &&
    (c.dayMask(year, month) & (1 << (day - 1))) !== 0 &&
    nextTimeOfDay(c, secondOfDay) === secondOfDay
  );
}
