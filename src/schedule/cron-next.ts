// The next fire of a cron schedule in a real time zone. The search walks the zone's spans of
// constant UTC offset; inside a span, wall time and real time move together, so the plain
// wall-time search of cron-match.ts applies. At a span's start the clocks may have changed:
//
// - jumped forward: the wall times in the jump never existed. Each matching one fires once, at
//   that wall time shifted forward by the length of the jump (02:30 → 03:30 EDT in New York,
//   02:15 → 02:45 on Lord Howe Island);
// - gone back: the wall times in the repeat exist twice. A schedule fires at the first occurrence
//   only, unless its hour field covers all 24 hours: then it follows real time and fires at both
//   (`0 * * * *` runs every real hour).
import { SECOND } from './civil-time';
import { NO_WALL, compileCron, nextMatchingWall, type CompiledCron } from './cron-match';
import { offsetBeforeSpan, offsetSpanAt } from './time-zone';
import type { CronSchedule } from './types';

const compiled = new WeakMap<CronSchedule, CompiledCron>();

/** The compiled tables of a cron schedule, built once per schedule object. */
export function compiledCron(schedule: CronSchedule): CompiledCron {
  let c = compiled.get(schedule);
  if (c === undefined) {
    c = compileCron(schedule.fields, schedule.dayMatch);
    compiled.set(schedule, c);
  }
  return c;
}

/** The first fire strictly after `after` and at or before `limit` (UTC ms), or null. */
export function nextCronInstant(c: CompiledCron, zone: string, after: number, limit: number): number | null {
  const first = Math.floor(after / SECOND) * SECOND + SECOND; // fires are whole seconds
  if (first > limit) return null;
  let span = offsetSpanAt(zone, first);
  let previous = offsetBeforeSpan(zone, span);
  for (;;) {
    const offset = span.offset;
    const from = Math.max(span.start, first);
    let best = Infinity;
    if (previous < offset) {
      // Wall times [start + previous, start + offset) were skipped; one that matches fires at
      // wall - previous, which is its own wall time plus the jump, in the new offset.
      const wall = nextMatchingWall(c, from + previous, span.start + offset);
      if (wall !== NO_WALL) best = wall - previous;
    }
    let fromWall = from + offset;
    if (previous > offset && !c.allHours) fromWall = Math.max(fromWall, span.start + previous);
    const until = Math.min(span.end, limit + 1, best);
    if (fromWall < until + offset) {
      const wall = nextMatchingWall(c, fromWall, until + offset);
      if (wall !== NO_WALL) best = wall - offset;
    }
    if (best !== Infinity) return best <= limit ? best : null;
    if (span.end > limit) return null;
    previous = offset;
    span = offsetSpanAt(zone, span.end);
  }
}
