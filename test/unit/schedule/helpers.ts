// Shared by the schedule tests: parse-or-fail and "the next n fires" as ISO UTC text.
import { nextFire, parseSchedule, type FireContext, type Schedule, type ScheduleInput } from '../../../src/schedule';

export function scheduleOf(input: ScheduleInput | string, timezone?: string): Schedule {
  const r = parseSchedule(typeof input === 'string' ? { schedule: input, timezone } : input);
  if (!r.ok) throw new Error(`expected a valid schedule: ${r.error.message}`);
  return r.value;
}

/** `2026-03-08T07:30:00Z` (milliseconds only when not zero). */
export const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');

/** The next `n` fires strictly after `from`, chaining nextFire. */
export function firesAfter(input: ScheduleInput | string, from: string, n: number, timezone?: string, ctx?: FireContext): string[] {
  const schedule = scheduleOf(input, timezone);
  const out: string[] = [];
  let after = new Date(from);
  for (let i = 0; i < n; i++) {
    const next = nextFire(schedule, after, ctx);
    if (next === null) break;
    out.push(iso(next));
    after = next;
  }
  return out;
}
