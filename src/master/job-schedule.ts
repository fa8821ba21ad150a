// A job row's schedule as the schedule module understands it, parsed once per distinct
// definition: the claim of an every-second job does not re-parse its expression every second.
import { parseSchedule, type Schedule, type ScheduleError, type ScheduleInput } from '../schedule';
import type { Result } from '../result';

/** The columns of a job that decide its schedule. */
export interface ScheduleColumns {
  schedule: string | null;
  rule: unknown;
  dates: Array<Date | string> | null;
  timezone: string | null;
  dayMatch: 'any' | 'all' | null;
  startAt: Date | null;
  endAt: Date | null;
}

const MAX_CACHED = 50_000;
// Keyed by the definition itself (not the job id): ids repeat across databases served by one
// isolate, and parsing is pure, so equal definitions share one result.
const cache = new Map<string, Result<Schedule, ScheduleError>>();

/** The job's parsed schedule, or null for a one-time job (no schedule, rule or dates). */
export function scheduleOf(job: ScheduleColumns, defaultZone: string): Result<Schedule, ScheduleError> | null {
  if (job.schedule === null && job.rule === null && job.dates === null) return null;
  const input: ScheduleInput = {
    ...(job.schedule !== null ? { schedule: job.schedule } : {}),
    ...(job.rule !== null ? { rule: job.rule } : {}),
    ...(job.dates !== null ? { dates: job.dates.map((d) => (d instanceof Date ? d.toISOString() : d)) } : {}),
    timezone: job.timezone ?? defaultZone,
    start: job.startAt,
    end: job.endAt,
    ...(job.dayMatch !== null ? { dayMatch: job.dayMatch } : {}),
  };
  const key = JSON.stringify(input);
  const hit = cache.get(key);
  if (hit) return hit;
  const parsed = parseSchedule(input);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, parsed);
  return parsed;
}
