// The shapes the engine and the API exchange with the schedule module. Every Schedule is plain
// JSON data (ISO strings, numbers, arrays), so the engine may cache or store it as is.

/** What a user wrote. Exactly one of `schedule`, `rule`, `dates` or `at` must be given. */
export interface ScheduleInput {
  /** Cron (5 fields, or 6 with seconds first), a macro, `@reboot`, `N seconds`, `@every <interval>`,
   * `@after <interval>`, or a bare PostgreSQL interval (pg_task `repeat`, same as `@every`). */
  schedule?: string;
  /** pgpro_scheduler's rule object: `{ minutes, hours, days, months, wdays, onstart }`. */
  rule?: unknown;
  /** An explicit list of instants (ISO 8601; without an offset they are wall times in `timezone`). */
  dates?: unknown;
  /** A one-shot instant. */
  at?: string | Date;
  /** IANA zone the schedule's wall times are in; default UTC. */
  timezone?: string;
  /** Validity window, both ends inclusive; null or absent = unbounded. */
  start?: Date | string | null;
  end?: Date | string | null;
  /** How day-of-month and day-of-week combine when both are restricted: `any` (Vixie cron,
   * pg_cron; default for text) or `all` (pgpro_scheduler, pg_timetable; default for `rule`). */
  dayMatch?: 'any' | 'all';
}

export type ScheduleErrorCode = 'invalid_schedule' | 'invalid_timezone' | 'never_fires';

/** Why an input was refused. `message` is complete, human text naming the bad token and what is
 * allowed; `field` is the ScheduleInput field it came from. */
export interface ScheduleError {
  code: ScheduleErrorCode;
  field: string;
  message: string;
}

export type DayMatch = 'any' | 'all';

/** Expanded cron fields. Weekdays are 0 = Sunday … 6 = Saturday. */
export interface CronFields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  /** Explicit days of the month, 1-31. */
  daysOfMonth: number[];
  /** Days counted back from the month's last day: 0 = `L` or `$`, 3 = `L-3`. */
  lastDaysOfMonth: number[];
  /** `15W`: the weekday (Mon-Fri) nearest to the 15th, within the month. */
  nearestWeekdays: number[];
  /** `LW`: the month's last weekday (Mon-Fri). */
  lastWeekdayOfMonth: boolean;
  months: number[];
  daysOfWeek: number[];
  /** `5L`: the last Friday of the month. */
  lastDaysOfWeek: number[];
  /** `1#2`: [weekday, n] = the n-th such weekday of the month (n = 1-5). */
  nthDaysOfWeek: Array<[number, number]>;
  /** Vixie cron's rule: a day field is "restricted" unless its text starts with `*` or `?`. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

interface ScheduleBase {
  /** The text that describes the schedule to a user (the input text, or a cron rendering). */
  expression: string;
  /** IANA zone: wall times of a cron schedule are in it; local previews are shown in it. */
  timezone: string;
  /** Validity window, ISO 8601 UTC, both ends inclusive; null = unbounded. */
  start: string | null;
  end: string | null;
}

export interface CronSchedule extends ScheduleBase {
  kind: 'cron';
  fields: CronFields;
  dayMatch: DayMatch;
  /** pgpro `rule` with `onstart: 1` and time fields: also run once when the scheduler starts. */
  alsoOnStart: boolean;
}

/** Start to start, anchored: fires at anchor + k × interval, so it never drifts. */
export interface EverySchedule extends ScheduleBase {
  kind: 'every';
  intervalMs: number;
}

/** End to start: the next run is `interval` after the previous one ended. */
export interface AfterSchedule extends ScheduleBase {
  kind: 'after';
  intervalMs: number;
}

/** `@reboot`, pgpro `onstart`: once, when the scheduler starts serving the database. */
export interface OnStartSchedule extends ScheduleBase {
  kind: 'on_start';
}

export interface DatesSchedule extends ScheduleBase {
  kind: 'dates';
  /** Sorted, without duplicates, ISO 8601 UTC. */
  dates: string[];
}

export interface OnceSchedule extends ScheduleBase {
  kind: 'once';
  at: string;
}

export type Schedule =
  | CronSchedule
  | EverySchedule
  | AfterSchedule
  | OnStartSchedule
  | DatesSchedule
  | OnceSchedule;

/** What the engine knows about a job's past, for the kinds whose next fire depends on it. */
export interface FireContext {
  /** `every`: the series' origin (the job's first start or creation time). */
  anchor?: Date;
  /** The last run's start; `every` uses it as the anchor when no anchor is given. */
  lastStart?: Date;
  /** `after`: the last run's end. */
  lastEnd?: Date;
}

export const scheduleError = (code: ScheduleErrorCode, field: string, message: string): ScheduleError => ({
  code,
  field,
  message,
});
