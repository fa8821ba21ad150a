// Pure decision of what follows a run's end: a retry, the job's next slot or state, and
// whether jobs that depend on it may start. Time and randomness are parameters.
import type { JobState, RunStatus } from '../db/schema';
import { nextFire, type FireContext, type Schedule } from '../schedule';

export type EndStatus = Extract<RunStatus, 'succeeded' | 'failed' | 'timed_out' | 'lost' | 'canceled' | 'expired'>;

/** What the finish step knows about the job when a run of it ends. */
export interface FinishingJob {
  kind: 'recurring' | 'one_time';
  state: JobState;
  maxAttempts: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  brokenAfter: number | null;
  consecutiveFailures: number;
  deleteAfterSuccess: boolean;
  resubmitAt: Date | null;
  resubmitCount: number;
  resubmitLimit: number;
  /** For `@after` schedules: the interval from a run's end to the next start. */
  afterIntervalMs: number | null;
  hasIntervalExpression: boolean;
  hasNextTimeStatement: boolean;
}

export interface FinishingRun {
  attempt: number;
  scheduledFor: Date;
}

/** What the executor learnt from SQL that decides the job's next time. */
export interface NextTimeOutcome {
  /** next_time_statement's or interval_expression's value; null: run no more. */
  nextRunAt?: Date | null;
  /** The statement or expression failed or returned something unusable. */
  brokenReason?: string;
  /** The next_time_statement returned no row: the job's schedule decides, as without one. */
  fromSchedule?: true;
}

/**
 * A next time the schedule must give (`fromSchedule`) as a plain outcome: a recurring job's
 * next fire of its schedule strictly after `now` (null when it fires no more), nothing for a
 * one-time job (it ends as one without a next_time_statement does). Other outcomes pass.
 */
export function resolveNextTime(
  outcome: NextTimeOutcome,
  schedule: Schedule | null,
  now: Date,
  ctx: FireContext,
): NextTimeOutcome {
  if (outcome.fromSchedule !== true) return outcome;
  if (schedule === null) return {};
  return { nextRunAt: nextFire(schedule, now, ctx) };
}

/**
 * A job whose next time comes from SQL (interval_expression, next_time_statement) learns it from
 * its run. A run that ended before that SQL ran (lost at connect, expired, canceled before it
 * started) says nothing, and the job would wait for ever with no next time and no word. Then a
 * recurring job's schedule decides, as when a next_time_statement returns no row; a job without
 * one is broken with the reason (re-enabling runs it again). Other outcomes pass.
 */
export function whenSqlSaidNothing(
  outcome: NextTimeOutcome,
  job: Pick<FinishingJob, 'kind' | 'hasIntervalExpression' | 'hasNextTimeStatement'>,
  hasSchedule: boolean,
  status: EndStatus,
): NextTimeOutcome {
  if (!job.hasIntervalExpression && !job.hasNextTimeStatement) return outcome;
  if (outcome.nextRunAt !== undefined || outcome.brokenReason !== undefined || outcome.fromSchedule === true) return outcome;
  if (job.kind === 'recurring' && hasSchedule) return { fromSchedule: true };
  const what = job.hasIntervalExpression ? 'interval_expression' : 'next_time_statement';
  return { brokenReason: `its run ended ${status} before its ${what} gave the next time; enable the job to run it again` };
}

export interface JobChange {
  consecutiveFailures: number;
  lastFinishedAt: Date;
  /** Only set fields change. */
  nextRunAt?: Date | null;
  state?: JobState;
  brokenReason?: string;
  resubmitCount?: number;
  clearResubmit?: boolean;
}

export interface FinishPlan {
  retry: { attempt: number; startAfter: Date } | null;
  job: JobChange;
  /** A one-time job ended for good: its dependents start (succeeded) or fail (otherwise). */
  dependents: 'release' | 'fail' | null;
  deleteJob: boolean;
}

/** An expired run (it could not start within max_wait) failed its slot like any other failure. */
const RETRIABLE: ReadonlySet<EndStatus> = new Set(['failed', 'timed_out', 'lost', 'expired']);

/**
 * Decides what follows a run that ended with `status` at `now`. A failed, timed-out, lost or
 * expired run is retried while attempts remain, after an exponential backoff with jitter (`random` in
 * [0, 1)); each attempt is its own run row for the same slot. Only a final failure counts
 * towards `broken_after`. A one-time job is done after its final attempt unless it asked to
 * be resubmitted (within `resubmit_limit`) or its interval expression gave a next time.
 */
export function planFinish(
  job: FinishingJob,
  run: FinishingRun,
  status: EndStatus,
  now: Date,
  nextTime: NextTimeOutcome,
  random: number,
): FinishPlan {
  if (RETRIABLE.has(status) && run.attempt < job.maxAttempts) {
    const backoff = Math.min(job.retryBackoffMaxMs, job.retryBackoffMs * 2 ** (run.attempt - 1));
    // Full jitter on the upper half: spreads retries of many runs failing together.
    const delay = Math.round(backoff / 2 + (backoff / 2) * random);
    return {
      retry: { attempt: run.attempt + 1, startAfter: new Date(now.getTime() + delay) },
      job: { consecutiveFailures: job.consecutiveFailures, lastFinishedAt: now },
      dependents: null,
      deleteJob: false,
    };
  }

  const succeeded = status === 'succeeded';
  // A canceled run is neither a success nor a failure of the job.
  const failures = succeeded ? 0 : status === 'canceled' ? job.consecutiveFailures : job.consecutiveFailures + 1;
  const change: JobChange = { consecutiveFailures: failures, lastFinishedAt: now };
  if (status !== 'canceled' && !succeeded && job.brokenAfter !== null && failures >= job.brokenAfter && job.state === 'active') {
    change.state = 'broken';
    change.brokenReason = `broken after ${failures} consecutive failed runs (broken_after ${job.brokenAfter})`;
    change.nextRunAt = null;
    return { retry: null, job: change, dependents: job.kind === 'one_time' ? 'fail' : null, deleteJob: false };
  }

  if (nextTime.brokenReason !== undefined) {
    change.state = 'broken';
    change.brokenReason = nextTime.brokenReason;
    change.nextRunAt = null;
    return { retry: null, job: change, dependents: job.kind === 'one_time' ? 'fail' : null, deleteJob: false };
  }
  if (nextTime.nextRunAt !== undefined) {
    change.nextRunAt = nextTime.nextRunAt;
    if (nextTime.nextRunAt === null && job.state === 'active') change.state = 'done';
  } else if (job.afterIntervalMs !== null && job.state === 'active') {
    change.nextRunAt = new Date(now.getTime() + job.afterIntervalMs);
  }

  if (job.kind === 'recurring' || nextTime.nextRunAt != null) {
    return { retry: null, job: change, dependents: null, deleteJob: false };
  }
  if (job.resubmitAt !== null && job.resubmitCount < job.resubmitLimit && job.state === 'active') {
    change.nextRunAt = job.resubmitAt;
    change.resubmitCount = job.resubmitCount + 1;
    change.clearResubmit = true;
    return { retry: null, job: change, dependents: null, deleteJob: false };
  }
  if (job.state === 'active') change.state = 'done';
  if (job.resubmitAt !== null) change.clearResubmit = true;
  return {
    retry: null,
    job: change,
    dependents: succeeded ? 'release' : 'fail',
    deleteJob: succeeded && job.deleteAfterSuccess,
  };
}
