// A job row's schedule as the schedule module understands it, parsed once per job revision.
import { parseSchedule, type Schedule, type ScheduleError } from '../schedule';
import type { Result } from '../result';

/** The columns of a job that decide its schedule. */
export interface ScheduleColumns {
  id: number;
  revision: number;
  schedule: string | null;
  rule: unknown;
  dates: Array<Date | string> | null;
  timezone: string | null;
  dayMatch: 'any' | 'all' | null;
  startAt: Date | null;
  endAt: Date | null;
}

const MAX_CACHED = 100_000;
const cache = new Map<number, { revision: number; defaultZone: string; parsed: Result<Schedule, ScheduleError> }>();

/**
 * The job's parsed schedule, or null for a one-time job (no schedule, rule or dates). Parsing
 * is pure, so results are kept per (job, revision, default zone): the claim of an every-second
 * job does not re-parse its expression every second.
 */
export function scheduleOf(job: ScheduleColumns, defaultZone: string): Result<Schedule, ScheduleError> | null {
  if (job.schedule === null && job.rule === null && job.dates === null) return null;
  const hit = cache.get(job.id);
  if (hit && hit.revision === job.revision && hit.defaultZone === defaultZone) return hit.parsed;
  const parsed = parseSchedule({
    ...(job.schedule !== null ? { schedule: job.schedule } : {}),
    ...(job.rule !== null ? { rule: job.rule } : {}),
    ...(job.dates !== null ? { dates: job.dates.map((d) => (d instanceof Date ? d.toISOString() : d)) } : {}),
    timezone: job.timezone ?? defaultZone,
    start: job.startAt,
    end: job.endAt,
    ...(job.dayMatch !== null ? { dayMatch: job.dayMatch } : {}),
  });
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(job.id, { revision: job.revision, defaultZone, parsed });
  return parsed;
}
