// Schedules are checked with the schedule module before they are saved, so a job the API
// accepts can fire; and a saved job's next fire times are shown from the same module.
import type { Job } from '../db/schema';
import { parseSchedule, previewSchedule, type ScheduleInput } from '../schedule';
import { ApiFailure } from './errors';
import type { JobKeys } from './schemas/job-keys';

export const NEXT_FIRES = 5;

/** Keys whose change can change when a job fires. */
const TIMING_KEYS = ['schedule', 'cron', 'rule', 'date', 'dates', 'timezone', 'day_match', 'start_date', 'end_date'] as const;

/** The schedule-module field each body key is checked as. */
const FIELD_OF_KEY: Record<string, string> = { start_date: 'start', end_date: 'end', day_match: 'dayMatch' };

const iso = (value: Date | string): string => new Date(value).toISOString();

/** The schedule a stored job has, as schedule-module input (as src/master/job-schedule.ts reads it). */
function inputOfRow(row: Job, defaultTimezone: string): ScheduleInput {
  return {
    ...(row.schedule !== null ? { schedule: row.schedule } : {}),
    ...(row.rule !== null ? { rule: row.rule } : {}),
    ...(row.dates !== null ? { dates: row.dates.map(iso) } : {}),
    timezone: row.timezone ?? defaultTimezone,
    ...(row.dayMatch !== null ? { dayMatch: row.dayMatch } : {}),
    start: row.startAt === null ? null : iso(row.startAt),
    end: row.endAt === null ? null : iso(row.endAt),
  };
}

/**
 * Checks the schedule `keys` give (merged over `current`, the stored job, for a change); a 400
 * naming the body key when the schedule module refuses it. Keys that touch no timing pass.
 */
export function checkSchedule(keys: JobKeys, defaultTimezone: string, current?: Job): void {
  if (!TIMING_KEYS.some((key) => keys[key] !== undefined)) return;
  const replacesSource = keys.schedule !== undefined || keys.cron !== undefined || keys.rule !== undefined || keys.date !== undefined || keys.dates !== undefined;
  const base: ScheduleInput = current ? inputOfRow(current, defaultTimezone) : {};
  if (current && current.kind === 'one_time' && !replacesSource) return;
  const sourceKey = keys.cron !== undefined ? 'cron' : keys.date !== undefined ? 'date' : keys.dates !== undefined ? 'dates' : keys.rule !== undefined ? 'rule' : 'schedule';
  const input: ScheduleInput = {
    ...(replacesSource
      ? {
          schedule: keys.schedule ?? keys.cron,
          rule: keys.rule,
          dates: keys.dates ?? (keys.date === undefined ? undefined : [keys.date]),
        }
      : { schedule: base.schedule, rule: base.rule, dates: base.dates }),
    timezone: keys.timezone === undefined ? base.timezone ?? defaultTimezone : keys.timezone ?? defaultTimezone,
    dayMatch: keys.day_match === undefined ? (replacesSource ? undefined : base.dayMatch) : (keys.day_match ?? undefined),
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
  const text = key === 'date' && message.startsWith('dates[0]:')
    ? `date:${message.slice('dates[0]:'.length)}`
    : message.startsWith(`${field}:`) ? `${key}:${message.slice(field.length + 1)}` : `${key}: ${message}`;
  throw new ApiFailure({ code, message: text, details: { field: key } });
}

/** The next fire times of a stored job strictly after `now` (none for one-time jobs). */
export function nextFires(row: Job, defaultTimezone: string, now: Date): string[] {
  if (row.kind === 'one_time') return [];
  const preview = previewSchedule(inputOfRow(row, defaultTimezone), now, NEXT_FIRES, { anchor: row.anchorAt });
  return preview.ok ? preview.value.fires : [];
}
