// Schedules are checked with the schedule module before they are saved, so a job the API
// accepts can fire; and a saved job's next fire times are shown from the same module.
import type { Job } from '../db/schema';
import { parseSchedule, previewSchedule, type ScheduleInput } from '../schedule';
import { ApiFailure } from './errors';
import { readableTime } from './instant-json';

export const NEXT_FIRES = 5;

/** Keys whose change can change when a job fires. */
const TIMING_KEYS = ['schedule', 'cron', 'rule', 'date', 'dates', 'timezone', 'day_match', 'start_date', 'end_date'] as const;

/** The schedule-module field each body key is checked as. */
const FIELD_OF_KEY: Record<string, string> = { start_date: 'start', end_date: 'end', day_match: 'dayMatch' };

/** Body keys of the stored instants a schedule reads. */
type StoredInstantKey = 'dates' | 'start_date' | 'end_date';

/** A stored job's schedule as schedule-module input, and which of its instants JavaScript cannot hold. */
interface RowSchedule {
  input: ScheduleInput;
  unreadable: Set<StoredInstantKey>;
}

/** The schedule a stored job has, as schedule-module input (as src/master/job-schedule.ts reads it). */
function inputOfRow(row: Job, defaultTimezone: string): RowSchedule {
  const unreadable = new Set<StoredInstantKey>();
  const iso = (key: StoredInstantKey, value: Date): string | null => {
    const time = readableTime(value);
    if (time === null) unreadable.add(key);
    return time === null ? null : new Date(time).toISOString();
  };
  const input: ScheduleInput = {
    ...(row.schedule !== null ? { schedule: row.schedule } : {}),
    ...(row.rule !== null ? { rule: row.rule } : {}),
    ...(row.dates !== null ? { dates: row.dates.map((date) => iso('dates', date)) } : {}),
    timezone: row.timezone ?? defaultTimezone,
    ...(row.dayMatch !== null ? { dayMatch: row.dayMatch } : {}),
    start: row.startAt === null ? null : iso('start_date', row.startAt),
    end: row.endAt === null ? null : iso('end_date', row.endAt),
  };
  return { input, unreadable };
}

/** The keys of a create or change body that decide when a job fires (null: the default). */
export type TimingKeys = Partial<Record<'schedule' | 'cron' | 'date' | 'timezone' | 'start_date' | 'end_date', string | null>> & {
  rule?: Record<string, unknown> | null;
  dates?: string[] | null;
  day_match?: 'any' | 'all' | null;
};

const given = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;

/**
 * Checks the schedule `keys` give (merged over `current`, the stored job, for a change); a 400
 * naming the body key when the schedule module refuses it. Keys that touch no timing pass.
 */
export function checkSchedule(keys: TimingKeys, defaultTimezone: string, current?: Job): void {
  if (!TIMING_KEYS.some((key) => keys[key] !== undefined)) return;
  const replacesSource = given(keys.schedule) || given(keys.cron) || given(keys.rule) || given(keys.date) || given(keys.dates);
  if (current && current.kind === 'one_time' && !replacesSource) return;
  const stored = current ? inputOfRow(current, defaultTimezone) : { input: {}, unreadable: new Set<StoredInstantKey>() };
  const base = stored.input;
  const sourceKey = given(keys.cron) ? 'cron' : given(keys.date) ? 'date' : given(keys.dates) ? 'dates' : given(keys.rule) ? 'rule' : 'schedule';
  const source: ScheduleInput = replacesSource
    ? {
        ...(given(keys.schedule) ? { schedule: keys.schedule } : given(keys.cron) ? { schedule: keys.cron } : {}),
        ...(given(keys.rule) ? { rule: keys.rule } : {}),
        ...(given(keys.dates) ? { dates: keys.dates } : given(keys.date) ? { dates: [keys.date] } : {}),
      }
    : { schedule: base.schedule, rule: base.rule, dates: base.dates };
  // A stored instant JavaScript cannot hold (infinity, a BC date: written by SQL) cannot be
  // checked, and the change keeps it: the caller must give it anew.
  const kept: Array<[StoredInstantKey, boolean]> = [
    ['dates', !replacesSource],
    ['start_date', keys.start_date === undefined],
    ['end_date', keys.end_date === undefined],
  ];
  const unreadable = kept.find(([key, keeps]) => keeps && stored.unreadable.has(key))?.[0];
  if (unreadable !== undefined) {
    throw new ApiFailure({
      code: 'invalid_request',
      message: `${unreadable}: the job's stored value cannot be read as an instant (infinity, a BC date or a year JavaScript cannot hold); give ${unreadable} anew along with this change`,
      details: { field: unreadable },
    });
  }
  const dayMatch = keys.day_match === undefined ? (replacesSource ? undefined : base.dayMatch) : (keys.day_match ?? undefined);
  const input: ScheduleInput = {
    ...source,
    timezone: keys.timezone === undefined ? (base.timezone ?? defaultTimezone) : (keys.timezone ?? defaultTimezone),
    ...(dayMatch === undefined ? {} : { dayMatch }),
    start: keys.start_date === undefined ? base.start : keys.start_date,
    end: keys.end_date === undefined ? base.end : keys.end_date,
  };
  const parsed = parseSchedule(input);
  if (parsed.ok) return;
  const { code, field, message } = parsed.error;
  const key =
    field === 'schedule' || field === 'rule' || field === 'dates'
      ? sourceKey
      : (Object.entries(FIELD_OF_KEY).find(([, f]) => f === field)?.[0] ?? field);
  const text =
    key === 'date' && message.startsWith('dates[0]:')
      ? `date:${message.slice('dates[0]:'.length)}`
      : message.startsWith(`${field}:`)
        ? `${key}:${message.slice(field.length + 1)}`
        : `${key}: ${message}`;
  throw new ApiFailure({ code, message: text, details: { field: key } });
}

/** The next fire times of a stored job strictly after `now` (none for one-time jobs). */
export function nextFires(row: Job, defaultTimezone: string, now: Date): string[] {
  if (row.kind === 'one_time') return [];
  const { input, unreadable } = inputOfRow(row, defaultTimezone);
  // A schedule with an instant JavaScript cannot hold has no fire times to show.
  if (unreadable.size > 0 || readableTime(row.anchorAt) === null) return [];
  const preview = previewSchedule(input, now, NEXT_FIRES, { anchor: row.anchorAt });
  return preview.ok ? preview.value.fires : [];
}
