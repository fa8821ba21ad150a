// Pure schedule math: time is always a parameter, nothing here reads the clock.
// Minimal first cut (5/6-field cron in a time zone); the full schedule language grows here.
import { CronExpressionParser } from 'cron-parser';
import { err, ok, type Result } from '../result';

export interface ScheduleError {
  code: 'invalid_schedule';
  field: string;
  message: string;
}

export interface CronSchedule {
  kind: 'cron';
  expression: string;
  timezone: string;
}

export type Schedule = CronSchedule;

export interface ScheduleInput {
  schedule?: string;
  timezone?: string;
}

/** Parses schedule text in `timezone` (IANA, default UTC). Never throws on user input. */
export function parseSchedule(input: ScheduleInput): Result<Schedule, ScheduleError> {
  const text = input.schedule ?? '';
  const timezone = input.timezone ?? 'UTC';
  const expression = text.trim();
  try {
    CronExpressionParser.parse(expression, { tz: timezone, strict: false });
  } catch (e) {
    return err({ code: 'invalid_schedule', field: 'schedule', message: `schedule: ${(e as Error).message} in "${text}"` });
  }
  return ok({ kind: 'cron', expression, timezone });
}

/** The first fire time strictly after `after`, or null when the schedule never fires again. */
export function nextFire(schedule: Schedule, after: Date): Date | null {
  const expr = CronExpressionParser.parse(schedule.expression, { tz: schedule.timezone, currentDate: after });
  return expr.hasNext() ? expr.next().toDate() : null;
}
