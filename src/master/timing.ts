// Pure decisions of the tick about time: when a changed job is next due, what a due job runs
// (misfire and overlap policies), and when the master wakes next. Time is always a parameter.
import { nextFire, planMisfire, type Schedule } from '../schedule';
import type { JobState, MisfirePolicy, OverlapPolicy, RunStatus } from '../db/schema';
import { scheduleOf, type ScheduleColumns } from './job-schedule';

/** A job as the sync step reads it. */
export interface ChangedJob extends ScheduleColumns {
  id: number;
  revision: number;
  kind: 'recurring' | 'one_time';
  runAfter: Date | null;
  enabled: boolean;
  state: JobState;
  dependsOn: number[] | null;
  anchorAt: Date;
  lastFinishedAt: Date | null;
  nextRunAt: Date | null;
  lastScheduledFor: Date | null;
}

export type JobTiming =
  | { id: number; revision: number; nextRunAt: Date | null; state: JobState }
  | { id: number; revision: number; broken: string };

/**
 * The timing of a job just inserted or changed: its first slot strictly after `now` (a
 * one-time job: its run_after, or now), nothing when it is disabled, broken or waiting on
 * other jobs, `done` when its schedule fires no more, and `broken` with the schedule
 * module's message when the schedule is invalid.
 */
export function timingForChangedJob(job: ChangedJob, now: Date, defaultZone: string): JobTiming {
  const base = { id: job.id, revision: job.revision };
  if (!job.enabled || job.state === 'broken') return { ...base, nextRunAt: null, state: job.state };
  const parsed = scheduleOf(job, defaultZone);
  if (parsed === null) {
    if (job.state === 'done') return { ...base, nextRunAt: null, state: 'done' };
    if (job.lastScheduledFor !== null) {
      // It ran already and re-arms itself (interval expression, next-time statement,
      // resubmit): its next start is whatever that set. (Giving it a new run_after, enabling
      // or re-activating it clears last_scheduled_for: then it is scheduled anew below.)
      return { ...base, nextRunAt: job.nextRunAt, state: 'active' };
    }
    if (job.dependsOn !== null && job.dependsOn.length > 0) return { ...base, nextRunAt: null, state: 'active' };
    return { ...base, nextRunAt: job.runAfter ?? now, state: 'active' };
  }
  if (!parsed.ok) return { ...base, broken: parsed.error.message };
  if (parsed.value.kind === 'on_start') {
    // It fires only when a master starts; past its end_at it never will again.
    return { ...base, nextRunAt: null, state: startupFiring(parsed.value, now) === 'ended' ? 'done' : 'active' };
  }
  const next = nextFire(parsed.value, now, fireContext(job));
  return { ...base, nextRunAt: next, state: next === null ? 'done' : 'active' };
}

function fireContext(job: { anchorAt: Date; lastFinishedAt: Date | null }) {
  return { anchor: job.anchorAt, ...(job.lastFinishedAt ? { lastEnd: job.lastFinishedAt } : {}) };
}

/** A job whose slot is due, with what the claim needs to apply its policies. */
export interface DueJob extends ScheduleColumns {
  id: number;
  revision: number;
  kind: 'recurring' | 'one_time';
  owner: string;
  nextRunAt: Date;
  /** The latest slot any run of the job has (a one-time job must not reuse one). */
  lastRunSlot: Date | null;
  anchorAt: Date;
  lastFinishedAt: Date | null;
  overlap: OverlapPolicy;
  maxInstances: number;
  queueLimit: number;
  misfire: MisfirePolicy;
  misfireCap: number;
  maxWaitMs: number | null;
  queue: string | null;
  priority: number;
  /** The next time comes from SQL (interval_expression or next_time_statement), not the schedule. */
  nextTimeFromSql: boolean;
  running: number;
  queued: number;
}

/** A run row the claim inserts. Terminal statuses (skipped, missed) are inserted finished. */
export interface PlannedRun {
  jobId: number;
  owner: string;
  scheduledFor: Date;
  status: Extract<RunStatus, 'queued' | 'skipped' | 'missed'>;
  reason: string | null;
  queue: string | null;
  priority: number;
  notAfter: Date | null;
}

export interface ClaimDecision {
  jobId: number;
  runs: PlannedRun[];
  nextRunAt: Date | null;
  /** The slot the job is now past (last_scheduled_for). */
  lastSlot: Date;
  state: JobState;
  brokenReason: string | null;
}

/**
 * What a due job runs. On time (late by at most `graceMs`), its slot runs and the job moves to
 * the following slot. Later than that (the master was down or paused), the job's misfire
 * policy decides which slots run and which are recorded `missed`. Each slot to run is then
 * subject to the overlap policy: with `max_instances` runs already waiting or running, a slot
 * is recorded `skipped` (overlap skip), or waits `queued` while fewer than `queue_limit` wait
 * (overlap queue).
 */
export function decideDueJob(job: DueJob, now: Date, graceMs: number, defaultZone: string): ClaimDecision {
  const slot = job.nextRunAt;
  const decision = (runs: PlannedRun[], nextRunAt: Date | null, state: JobState = 'active'): ClaimDecision => ({
    jobId: job.id,
    runs,
    nextRunAt,
    lastSlot: slot,
    state,
    brokenReason: null,
  });
  const planned = (scheduledFor: Date, status: PlannedRun['status'], reason: string | null): PlannedRun => ({
    jobId: job.id,
    owner: job.owner,
    scheduledFor,
    status,
    reason,
    queue: job.queue,
    priority: job.priority,
    notAfter: job.maxWaitMs === null || status !== 'queued' ? null : new Date(scheduledFor.getTime() + job.maxWaitMs),
  });

  const parsed = scheduleOf(job, defaultZone);
  if (parsed === null) {
    // A one-time job: its slot runs; what comes next is decided when it ends. A job run again
    // (re-armed, restarted) never reuses a slot it ran: its run would collide with the earlier.
    const last = job.lastRunSlot;
    const own = last !== null && slot <= last ? new Date(Math.max(last.getTime() + 1, now.getTime())) : slot;
    return { ...decision(applyOverlap(job, [own], planned), null), lastSlot: own };
  }
  if (!parsed.ok) return { ...decision([], null, 'broken'), brokenReason: parsed.error.message };
  const schedule = parsed.value;
  const ctx = fireContext(job);

  let toRun: Date[];
  let missed: PlannedRun[] = [];
  let next: Date | null;
  if (now.getTime() - slot.getTime() <= graceMs) {
    toRun = [slot];
    next = nextFire(schedule, slot, ctx);
  } else {
    const misfire = planMisfire({ schedule, lastSlot: new Date(slot.getTime() - 1), now, policy: job.misfire, cap: job.misfireCap, ctx });
    if (!misfire.ok) return { ...decision([], null, 'broken'), brokenReason: misfire.error.message };
    const plan = misfire.value;
    toRun = plan.run;
    next = plan.next;
    const reason = `missed while the scheduler was down or paused (misfire ${job.misfire})`;
    const unlisted = plan.missedCount - plan.missed.length;
    // The first row carries what the rows alone do not show: how many more, and any note.
    const first = [
      reason,
      ...(unlisted > 0 ? [`${unlisted}${plan.missedCountExact ? '' : '+'} earlier slots not recorded`] : []),
      ...plan.warnings,
    ].join('; ');
    missed = plan.missed.map((s, i) => planned(s, 'missed', i === 0 ? first : reason));
  }
  if (endAnchored(schedule) || job.nextTimeFromSql) next = null;
  // Catch-up runs (misfire run_all) wait for each other instead of being skipped as overlaps.
  const overlap = toRun.length > 1 ? { ...job, overlap: 'queue' as const, queueLimit: job.queued + toRun.length } : job;
  const runs = [...missed, ...applyOverlap(overlap, toRun, planned)];
  const lastSlot = toRun.at(-1) ?? missed.at(-1)?.scheduledFor ?? slot;
  const finished = next === null && !endAnchored(schedule) && !job.nextTimeFromSql;
  return { ...decision(runs, next, finished ? 'done' : 'active'), lastSlot };
}

/** `@after` schedules: the next slot is known only when the run ends. */
function endAnchored(schedule: Schedule): boolean {
  return schedule.kind === 'after';
}

function applyOverlap(
  job: DueJob,
  slots: Date[],
  planned: (s: Date, status: PlannedRun['status'], reason: string | null) => PlannedRun,
): PlannedRun[] {
  let active = job.running + job.queued;
  let waiting = job.queued;
  return slots.map((s) => {
    if (active < job.maxInstances) {
      active++;
      waiting++;
      return planned(s, 'queued', null);
    }
    if (job.overlap === 'queue' && waiting < job.queueLimit) {
      waiting++;
      return planned(s, 'queued', `queued behind ${active} unfinished run(s) (max_instances ${job.maxInstances})`);
    }
    return planned(
      s,
      'skipped',
      job.overlap === 'queue'
        ? `skipped: ${waiting} run(s) already waiting (queue_limit ${job.queueLimit})`
        : `skipped: ${active} run(s) still unfinished (max_instances ${job.maxInstances})`,
    );
  });
}

/**
 * When the master wakes next: in time to claim the earliest due slot (or start the earliest
 * waiting run) `lookaheadMs` ahead of it, and at the latest after `idleMs` (the poll
 * interval; in scale-to-zero mode the sync interval), so SQL changes are seen.
 */
export function nextWakeAt(input: { now: Date; nextDue: Date | null; idleMs: number; lookaheadMs: number }): Date {
  const idle = input.now.getTime() + input.idleMs;
  if (input.nextDue === null) return new Date(idle);
  return new Date(Math.max(input.now.getTime(), Math.min(idle, input.nextDue.getTime() - input.lookaheadMs)));
}

/** A deadline is acted on this long after it passed, so clocks a little apart agree it has. */
const DEADLINE_MARGIN_MS = 100;

/**
 * The instant the master must tick next for what it knows is coming, or null: `lookaheadMs`
 * before the earliest due slot and the earliest waiting run still to start (a retry's backoff),
 * and just after the earliest deadline of a waiting run (it expires then, paused or not). A
 * waiting run whose lookahead has begun already was offered to dispatch: it starts when a slot
 * frees, not by the clock.
 */
export function nextWorkAt(input: {
  now: Date;
  nextDue: Date | null;
  nextWaiting: Date | null;
  nextDeadline: Date | null;
  paused: boolean;
  lookaheadMs: number;
}): Date | null {
  const { now, lookaheadMs } = input;
  const times: number[] = [];
  if (!input.paused && input.nextDue) times.push(input.nextDue.getTime() - lookaheadMs);
  if (!input.paused && input.nextWaiting && input.nextWaiting.getTime() - lookaheadMs > now.getTime()) {
    times.push(input.nextWaiting.getTime() - lookaheadMs);
  }
  if (input.nextDeadline) times.push(input.nextDeadline.getTime() + DEADLINE_MARGIN_MS);
  return times.length === 0 ? null : new Date(Math.min(...times));
}

/**
 * Whether a schedule that fires when the scheduler starts (`@reboot`, pgpro `onstart`) fires
 * at `now`, a start: `run` inside its validity window (both ends inclusive), `wait` before it,
 * `ended` after it; null for a schedule that does not fire at start.
 */
export function startupFiring(schedule: Schedule, now: Date): 'run' | 'wait' | 'ended' | null {
  if (schedule.kind !== 'on_start' && !(schedule.kind === 'cron' && schedule.alsoOnStart)) return null;
  if (schedule.end !== null && now.getTime() > Date.parse(schedule.end)) return 'ended';
  if (schedule.start !== null && now.getTime() < Date.parse(schedule.start)) return 'wait';
  return 'run';
}
