// When a schedule fires next. Time is always a parameter; nothing here reads the clock.
import { LATEST_INSTANT } from './civil-time';
import { compiledCron, nextCronInstant } from './cron-next';
import type { DatesSchedule, EverySchedule, FireContext, Schedule } from './types';

/** No search looks further ahead than this: the Gregorian calendar repeats every 400 years. */
const HORIZON_MS = 401 * 365.2425 * 24 * 3600 * 1000;
const LATEST = LATEST_INSTANT;

const datesCache = new WeakMap<DatesSchedule, number[]>();

function instantsOf(schedule: DatesSchedule): number[] {
  let instants = datesCache.get(schedule);
  if (instants === undefined) {
    instants = schedule.dates.map((d) => Date.parse(d));
    datesCache.set(schedule, instants);
  }
  return instants;
}

/**
 * The first fire strictly after `after` within the validity window, or null when the schedule
 * never fires again. Fires are whole seconds for cron. To include `after` itself, pass
 * `after - 1 ms`.
 *
 * - `every`: fires at anchor + k × interval (k ≥ 0), anchor = ctx.anchor ?? ctx.lastStart ??
 *   window start ?? `after` (without one, the series starts at `after`).
 * - `after`: exactly ctx.lastEnd + interval, or ctx.anchor if it never ran, or the window start,
 *   or `after` + interval. It is returned even when it is not after `after`: an overdue
 *   end-to-start job is due now, it has no later slot to move to.
 * - `on_start`: null; the engine fires it once when it starts serving the database.
 */
export function nextFire(schedule: Schedule, after: Date, ctx: FireContext = {}): Date | null {
  const t = nextFireMs(schedule, after.getTime(), ctx);
  return t === null ? null : new Date(t);
}

/**
 * nextFire on epoch milliseconds: the engine's hot path, without Date allocations. `until`
 * (inclusive) bounds the search; beyond it the answer is null, as if the window ended there.
 */
export function nextFireMs(schedule: Schedule, after: number, ctx: FireContext = {}, until = LATEST): number | null {
  const start = schedule.start === null ? -Infinity : Date.parse(schedule.start);
  const end = Math.min(schedule.end === null ? LATEST : Date.parse(schedule.end), LATEST, until);
  const from = Math.max(after, start - 1);
  if (Number.isNaN(from)) return null;
  switch (schedule.kind) {
    case 'cron':
      if (from === -Infinity) return null; // a search needs a starting point
      return nextCronInstant(compiledCron(schedule), schedule.timezone, from, Math.min(end, from + HORIZON_MS));
    case 'every': {
      const anchor = everyAnchor(schedule, after, ctx);
      const k = from < anchor ? 0 : Math.floor((from - anchor) / schedule.intervalMs) + 1;
      const t = anchor + k * schedule.intervalMs;
      return t <= end ? t : null;
    }
    case 'after': {
      const due =
        ctx.lastEnd !== undefined
          ? ctx.lastEnd.getTime() + schedule.intervalMs
          : (ctx.anchor?.getTime() ?? (start !== -Infinity ? start : after + schedule.intervalMs));
      const t = Math.max(due, start);
      return t <= end ? t : null;
    }
    case 'on_start':
      return null;
    case 'dates': {
      const instants = instantsOf(schedule);
      let lo = 0;
      let hi = instants.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((instants[mid] as number) <= from) lo = mid + 1;
        else hi = mid;
      }
      const t = instants[lo];
      return t !== undefined && t <= end ? t : null;
    }
    case 'once': {
      const t = Date.parse(schedule.at);
      return t > from && t <= end ? t : null;
    }
  }
}

/** The origin of an `every` series: ctx.anchor ?? ctx.lastStart ?? window start ?? `after`. */
export function everyAnchor(schedule: EverySchedule, after: number, ctx: FireContext): number {
  const anchor = ctx.anchor ?? ctx.lastStart;
  if (anchor !== undefined) return anchor.getTime();
  return schedule.start === null ? after : Date.parse(schedule.start);
}
