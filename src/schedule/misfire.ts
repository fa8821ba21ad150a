// What to run after downtime: a pure decision from the schedule, the last slot that ran and now.
//
// The missed window is the slots strictly after `lastSlot` and at or before `now`.
// - run_once (default): run the latest slot of the window, late, once; record the others as
//   missed; then continue on the schedule (realigned, never "catching up").
// - skip: run nothing; record every slot of the window as missed.
// - run_all: run the `cap` most recent slots, oldest first; record older ones as missed. The most
//   recent are the ones still closest to their time; beyond `cap` a backlog is not worth running.
// `missed` holds at most `cap` slots (the most recent); `missedCount` counts them all, so a
// one-second job down for a day records 100 rows and the number 86,400, not 86,400 rows.
import { err, ok, type Result } from '../result';
import { MINUTE } from './civil-time';
import { everyAnchor, nextFireMs } from './next-fire';
import { quote } from './quote';
import { scheduleError, type FireContext, type Schedule, type ScheduleError } from './types';

export const MISFIRE_POLICIES = ['run_once', 'skip', 'run_all'] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

export const DEFAULT_MISFIRE_CAP = 100;
/**
 * The most slots one catch-up runs or records. The API and SQL accept any positive misfire_cap
 * (an int4 column); a larger one works as this many, and the plan says so in `warnings`. The
 * bound keeps one claim transaction, and the master's memory, a size that never hurts other jobs.
 */
export const MAX_MISFIRE_CAP = 10_000;
/** Slots counted one by one beyond which `missedCount` is a lower bound (`missedCountExact`). */
export const MISFIRE_COUNT_LIMIT = 1_000_000;

export interface MisfireInput {
  schedule: Schedule;
  /** The last slot that ran (or was recorded); null: none, so nothing counts as missed. */
  lastSlot: Date | null;
  now: Date;
  policy?: MisfirePolicy;
  /** A whole number ≥ 1; default DEFAULT_MISFIRE_CAP; above MAX_MISFIRE_CAP it works as that. */
  cap?: number;
  ctx?: FireContext;
}

export interface MisfirePlan {
  /** Slots to run now, oldest first. */
  run: Date[];
  /** Slots to record as missed, oldest first: at most `cap`, the most recent ones. */
  missed: Date[];
  /** All missed slots, including those not listed in `missed`. */
  missedCount: number;
  /** False when there were more than MISFIRE_COUNT_LIMIT slots and counting stopped there. */
  missedCountExact: boolean;
  /** The first slot strictly after `now`; null when none is known (see `after` below). */
  next: Date | null;
  /** Notes for the user: a cap above MAX_MISFIRE_CAP that limited what ran or was recorded. */
  warnings: string[];
}

interface Window {
  latest: number[]; // the most recent slots of the window, oldest first
  total: number;
  exact: boolean;
}

const EMPTY: Window = { latest: [], total: 0, exact: true };

/**
 * Decides what runs after downtime (see the file comment). For an `after` (end to start)
 * schedule the window holds at most its one overdue slot; when that slot runs, `next` is null
 * because the next slot depends on when the run ends; when it is skipped, `next` is now + interval.
 * An `every` schedule without an anchor in `ctx` is anchored at `lastSlot` (else `now`), for the
 * missed slots and `next` alike. An unknown policy or a cap that is not a whole number ≥ 1 is an
 * error value, never an exception.
 */
export function planMisfire(input: MisfireInput): Result<MisfirePlan, ScheduleError> {
  const { schedule, policy = 'run_once' } = input;
  if (!(MISFIRE_POLICIES as readonly unknown[]).includes(policy)) {
    return err(scheduleError('invalid_schedule', 'misfire', `misfire: ${quote(policy)} is not a policy; use run_once (the default), skip or run_all`));
  }
  const asked = input.cap ?? DEFAULT_MISFIRE_CAP;
  if (typeof asked !== 'number' || !Number.isInteger(asked) || asked < 1) {
    return err(scheduleError('invalid_schedule', 'misfire_cap', `misfire_cap: ${quote(asked)} is not a whole number ≥ 1`));
  }
  const cap = Math.min(asked, MAX_MISFIRE_CAP);
  const now = input.now.getTime();
  const from = input.lastSlot === null ? now : input.lastSlot.getTime();
  // One anchor for the window and for `next`: without it, each would fall back to its own
  // `after` (lastSlot, now) and `next` would not be on the grid of the slots just planned.
  const ctx: FireContext =
    schedule.kind === 'every' ? { ...input.ctx, anchor: new Date(everyAnchor(schedule, from, input.ctx ?? {})) } : (input.ctx ?? {});
  const window = from < now ? slotsBetween(schedule, from, now, ctx, 2 * cap + 1) : EMPTY;
  const { latest, total } = window;

  let run: number[];
  let missed: number[];
  switch (policy) {
    case 'skip':
      run = [];
      missed = latest.slice(-cap);
      break;
    case 'run_all':
      run = latest.slice(-cap);
      missed = latest.slice(0, Math.max(0, latest.length - cap)).slice(-cap);
      break;
    case 'run_once':
      run = latest.slice(-1);
      missed = latest.slice(0, -1).slice(-cap);
      break;
  }

  let next: number | null;
  if (schedule.kind === 'after') {
    const due = nextFireMs(schedule, now, ctx);
    if (total > 0) next = policy === 'skip' ? nextFireMs(schedule, now, { lastEnd: input.now }) : null;
    else next = due !== null && due > now ? due : null;
  } else {
    next = nextFireMs(schedule, now, ctx);
  }

  // Only when the bound changed the outcome: more slots than it let through.
  const limited = asked > cap && (policy === 'run_all' ? total > cap : total - run.length > cap);
  return ok({
    run: run.map((t) => new Date(t)),
    missed: missed.map((t) => new Date(t)),
    missedCount: total - run.length,
    missedCountExact: window.exact,
    next: next === null ? null : new Date(next),
    warnings: limited
      ? [`misfire_cap ${asked} is more than ${MAX_MISFIRE_CAP}, the most slots one catch-up runs or records: ${MAX_MISFIRE_CAP} were used`]
      : [],
  });
}

/** Slots in (from, to]: the `want` most recent, and how many there are. */
export function slotsBetween(schedule: Schedule, from: number, to: number, ctx: FireContext, want: number): Window {
  switch (schedule.kind) {
    case 'on_start':
      return EMPTY;
    case 'after':
    case 'once': {
      const t = nextFireMs(schedule, from, ctx);
      return t !== null && t > from && t <= to ? { latest: [t], total: 1, exact: true } : EMPTY;
    }
    case 'every': {
      const first = nextFireMs(schedule, from, ctx);
      if (first === null || first > to) return EMPTY;
      const interval = schedule.intervalMs;
      const end = schedule.end === null ? to : Math.min(to, Date.parse(schedule.end));
      const anchor = everyAnchor(schedule, from, ctx);
      const last = anchor + Math.floor((end - anchor) / interval) * interval;
      const total = Math.floor((last - first) / interval) + 1;
      const n = Math.min(want, total);
      return { latest: Array.from({ length: n }, (_, i) => last - (n - 1 - i) * interval), total, exact: true };
    }
    case 'cron':
    case 'dates':
      return searchBackwards(schedule, from, to, ctx, want);
  }
}

/** Widens a window back from `to` until it holds `want` slots or reaches `from`. */
function searchBackwards(schedule: Schedule, from: number, to: number, ctx: FireContext, want: number): Window {
  for (let width = MINUTE; ; width *= 4) {
    const lo = Math.max(from, to - width);
    const slots: number[] = [];
    for (let t = nextFireMs(schedule, lo, ctx); t !== null && t <= to; t = nextFireMs(schedule, t, ctx)) {
      slots.push(t);
    }
    if (slots.length < want && lo > from) continue;
    const latest = slots.slice(-want);
    if (lo === from) return { latest, total: slots.length, exact: true };
    let total = slots.length;
    let exact = true;
    for (let t = nextFireMs(schedule, from, ctx); t !== null && t <= lo; t = nextFireMs(schedule, t, ctx)) {
      if (total >= MISFIRE_COUNT_LIMIT) {
        exact = false;
        break;
      }
      total += 1;
    }
    return { latest, total, exact };
  }
}
