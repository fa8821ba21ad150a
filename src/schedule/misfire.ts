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
import { MINUTE } from './civil-time';
import { everyAnchor, nextFireMs } from './next-fire';
import type { FireContext, Schedule } from './types';

export type MisfirePolicy = 'run_once' | 'skip' | 'run_all';

export const DEFAULT_MISFIRE_CAP = 100;
const MAX_CAP = 10_000;
/** Slots counted one by one beyond which `missedCount` is a lower bound (`missedCountExact`). */
export const MISFIRE_COUNT_LIMIT = 1_000_000;

export interface MisfireInput {
  schedule: Schedule;
  /** The last slot that ran (or was recorded); null: none, so nothing counts as missed. */
  lastSlot: Date | null;
  now: Date;
  policy?: MisfirePolicy;
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
 */
export function planMisfire(input: MisfireInput): MisfirePlan {
  const { schedule, policy = 'run_once', ctx = {} } = input;
  const cap = Math.min(MAX_CAP, Math.max(1, Math.floor(input.cap ?? DEFAULT_MISFIRE_CAP)));
  const now = input.now.getTime();
  const from = input.lastSlot === null ? now : input.lastSlot.getTime();
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

  return {
    run: run.map((t) => new Date(t)),
    missed: missed.map((t) => new Date(t)),
    missedCount: total - run.length,
    missedCountExact: window.exact,
    next: next === null ? null : new Date(next),
  };
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
