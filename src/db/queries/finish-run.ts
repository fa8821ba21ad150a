import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import type { JobState, RunError, RunFallback, RunResult } from '../schema';
import type { ScheduleColumns } from '../../master/job-schedule';
import type { EndStatus, FinishPlan, FinishingJob, JobChange } from '../../master/finish-plan';
import { releaseDependents } from './release-dependents';
import { brokenReason, isoFor, scheduleColumns, toDate, toDurationMs, toNullableDate, toNumber } from './rows';

/** How a run ended, as the executor (or the lost-run check) saw it. */
export interface RunEnd {
  runId: number;
  status: EndStatus;
  /** When the command was sent and which backend ran it, if the start was not recorded yet. */
  startedAt?: Date | null;
  /** When the command ended; the time of recording when unknown (a lost run). */
  finishedAt?: Date | null;
  backendPid?: number | null;
  result?: RunResult | null;
  error?: RunError | null;
  fallback?: RunFallback | null;
  reason?: string | null;
}

export interface FinishingRunRow {
  runId: number;
  jobId: number;
  attempt: number;
  scheduledFor: Date;
}

export type FinishingJobRow = FinishingJob & ScheduleColumns;

export interface FinishOutcome {
  /** Runs this call ended. */
  ended: number[];
  /** Runs still running whose row, or whose job's row, someone else holds locked: try again later. */
  deferred: number[];
}

type Decide = (job: FinishingJobRow, run: FinishingRunRow, end: RunEnd) => FinishPlan;

// Which run `r` end `e` may end: a running run (never as expired: a run dispatched just as its
// deadline passed has started), a queued run past its deadline as expired, and a run that
// ended without the master with the status it has.
const ENDABLE = sql.raw(`((r.status = 'running' AND e.status <> 'expired')
  OR (e.status = 'expired' AND r.status = 'queued' AND r.not_after < now())
  OR (r.needs_finish AND r.status = e.status))`);

/**
 * Records the ends of several runs and applies what follows each (decided by `decide`, pure)
 * in one transaction, so a burst of runs ending together costs a few round trips, not a few
 * per run: the jobs' counters, next time and state, retry runs, deleted jobs, and (after the
 * commit) the one-time jobs depending on them. Ends a running run; a queued run only as
 * `expired`, once past its deadline; and finishes a run that ended without the master
 * (`needs_finish`, canceled while queued) with the status it has. A run that already ended
 * (another master marked it lost) keeps its first outcome. Rows are locked SKIP LOCKED, never waited for: a
 * run whose row or job a user holds locked (SELECT … FOR UPDATE in an open transaction), or
 * another master is writing, is left running and returned as deferred, so one user's lock
 * delays only her own run's record. A job whose row holds a value the scheduler cannot use,
 * or whose decision throws, is broken with the reason; its run keeps the end it had.
 */
export async function finishRuns(
  db: Db,
  ends: RunEnd[],
  decide: Decide,
  onBroken?: (jobId: number, reason: string) => void,
): Promise<FinishOutcome> {
  if (ends.length === 0) return { ended: [], deferred: [] };
  const byRun = new Map(ends.map((e) => [e.runId, e]));
  const outcome = await db.transaction(async (tx) => {
    const payload = ends.map((e) => ({
      id: e.runId,
      status: e.status,
      started_at: e.startedAt?.toISOString() ?? null,
      finished_at: e.finishedAt?.toISOString() ?? null,
      backend_pid: e.backendPid ?? null,
      result: e.result ?? null,
      error: e.error ?? null,
      fallback: e.fallback ?? null,
      reason: e.reason ?? null,
    }));
    // One statement locks the runs still running and their jobs (in id order; SKIP LOCKED, so
    // neither a user's lock nor another master's batch is waited for), ends the runs whose
    // job it could lock, and says which wanted runs are still running: those it skipped.
    const locked = await tx.execute<Record<string, unknown>>(sql`
      WITH e AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
               AS e(id bigint, status text, started_at timestamptz, finished_at timestamptz, backend_pid int,
                    result jsonb, error jsonb, fallback jsonb, reason text)
      ), runs AS (
        SELECT r.id, r.job_id FROM edgecron.run AS r JOIN e ON e.id = r.id
         WHERE ${ENDABLE}
           FOR UPDATE OF r SKIP LOCKED
      ), jobs AS (
        SELECT j.id, j.kind, j.state, j.schedule, j.rule, j.dates, j.timezone, j.day_match, j.start_at, j.end_at,
               j.max_attempts, extract(epoch FROM j.retry_backoff) * 1000 AS retry_backoff_ms,
               extract(epoch FROM j.retry_backoff_max) * 1000 AS retry_backoff_max_ms, j.broken_after,
               j.consecutive_failures, j.delete_after_success, j.resubmit_at, j.resubmit_count, j.resubmit_limit,
               j.interval_expression IS NOT NULL AS has_interval_expression,
               j.next_time_statement IS NOT NULL AS has_next_time_statement
          FROM edgecron.job AS j
         WHERE j.id IN (SELECT job_id FROM runs)
         ORDER BY j.id
           FOR UPDATE OF j SKIP LOCKED
      ), ended AS (
        UPDATE edgecron.run AS r
           SET status = e.status, lease_until = NULL, needs_finish = false,
               finished_at = coalesce(e.finished_at, CASE WHEN r.needs_finish THEN r.finished_at END, now()),
               started_at = coalesce(r.started_at, e.started_at), backend_pid = coalesce(r.backend_pid, e.backend_pid),
               result = e.result, error = e.error, fallback = e.fallback, reason = coalesce(e.reason, r.reason)
          FROM e
         WHERE r.id = e.id AND ${ENDABLE}
           AND r.id IN (SELECT runs.id FROM runs JOIN jobs ON jobs.id = runs.job_id)
        RETURNING r.id, r.job_id, r.attempt, r.scheduled_for, r.owner, r.queue, r.priority
      )
      SELECT 'run' AS row_kind, to_jsonb(ended) AS data FROM ended
      UNION ALL
      SELECT 'job', to_jsonb(jobs) FROM jobs
      UNION ALL
      -- The statement's snapshot predates its own update: running and not ended here = skipped.
      SELECT 'deferred', jsonb_build_object('id', r.id) FROM edgecron.run AS r
       WHERE r.id IN (SELECT id FROM e) AND r.status = 'running' AND r.id NOT IN (SELECT id FROM ended)`);
    const rows = locked.rows.map((r) => ({ kind: String(r.row_kind), data: r.data as Record<string, unknown> }));
    const deferred = rows.filter((r) => r.kind === 'deferred').map((r) => toNumber(r.data.id));
    const runs = rows.filter((r) => r.kind === 'run').map((r) => r.data).sort((a, b) => toNumber(a.id) - toNumber(b.id));
    if (runs.length === 0) return { ended: [], deferred, dependents: false };
    const jobs = new Map(rows.filter((r) => r.kind === 'job').map(({ data }) => [toNumber(data.id), data]));
    const plan = planBatch(runs, jobs, byRun, decide, onBroken);
    await applyPlans(tx, plan);
    return { ended: runs.map((r) => toNumber(r.id)), deferred, dependents: plan.dependents };
  });
  if (outcome.dependents) await releaseDependents(db);
  return { ended: outcome.ended, deferred: outcome.deferred };
}

interface BatchPlan {
  /** The UPDATE's row for each job. */
  jobRows: Map<number, Record<string, unknown>>;
  retries: Array<Record<string, unknown>>;
  deletes: number[];
  dependents: boolean;
}

/**
 * What follows each ended run, in run order. Each job is read once and then seen as the
 * previous run left it. Everything a run contributes is computed (and its times checked)
 * before any of it is kept, so a run whose plan fails leaves no half of it behind: its job is
 * broken instead, and no retry or delete of that job goes through.
 */
function planBatch(
  runs: Array<Record<string, unknown>>,
  rawJobs: Map<number, Record<string, unknown>>,
  byRun: Map<number, RunEnd>,
  decide: Decide,
  onBroken: ((jobId: number, reason: string) => void) | undefined,
): BatchPlan {
  const current = new Map<number, FinishingJobRow>();
  const changes = new Map<number, JobChange>();
  const jobRows = new Map<number, Record<string, unknown>>();
  const retries: Array<Record<string, unknown> & { job_id: number }> = [];
  const deletes = new Set<number>();
  const broken = new Set<number>();
  let dependents = false;
  for (const raw of runs) {
    const runId = toNumber(raw.id);
    const jobId = toNumber(raw.job_id);
    const data = rawJobs.get(jobId);
    if (data === undefined || broken.has(jobId)) continue;
    try {
      const run: FinishingRunRow & { owner: string; queue: string | null; priority: number } = {
        runId,
        jobId,
        attempt: toNumber(raw.attempt),
        scheduledFor: toDate(raw.scheduled_for, "the run's scheduled_for"),
        owner: String(raw.owner),
        queue: (raw.queue as string | null) ?? null,
        priority: toNumber(raw.priority),
      };
      const end = byRun.get(runId)!;
      const job = current.get(jobId) ?? toFinishingJob(data);
      const plan = decide(job, run, end);
      const change = { ...changes.get(jobId), ...plan.job };
      const jobRow = changeRow(jobId, change);
      const retry = plan.retry && {
        job_id: jobId,
        owner: run.owner,
        scheduled_for: isoFor(run.scheduledFor, "the run's scheduled_for"),
        attempt: plan.retry.attempt,
        reason: `retry ${plan.retry.attempt} after the run ${end.status === 'timed_out' ? 'timed out' : end.status}`,
        queue: run.queue,
        priority: run.priority,
        start_after: isoFor(plan.retry.startAfter, 'the retry time from retry_backoff'),
      };
      current.set(jobId, applyChange(job, plan.job));
      changes.set(jobId, change);
      jobRows.set(jobId, jobRow);
      if (retry) retries.push(retry);
      if (plan.deleteJob) deletes.add(jobId);
      if (plan.dependents !== null) dependents = true;
    } catch (e) {
      const reason = brokenReason(e, 'record a run of');
      onBroken?.(jobId, reason);
      broken.add(jobId);
      deletes.delete(jobId);
      jobRows.set(jobId, { id: jobId, set_next: true, next_run_at: null, state: 'broken', broken_reason: reason, clear_resubmit: true });
      // A one-time job's dependents learn that it broke.
      dependents = true;
    }
  }
  // A job about to be deleted is not also updated (one row, one change per statement).
  for (const id of deletes) jobRows.delete(id);
  return { jobRows, retries: retries.filter((r) => !broken.has(r.job_id)), deletes: [...deletes], dependents };
}

function changeRow(id: number, c: JobChange): Record<string, unknown> {
  return {
    id,
    consecutive_failures: c.consecutiveFailures,
    last_finished_at: isoFor(c.lastFinishedAt, 'last_finished_at'),
    set_next: c.nextRunAt !== undefined,
    next_run_at: c.nextRunAt == null ? null : isoFor(c.nextRunAt, 'next_run_at'),
    state: c.state ?? null,
    broken_reason: c.brokenReason ?? null,
    resubmit_count: c.resubmitCount ?? null,
    clear_resubmit: c.clearResubmit === true,
  };
}

// One statement applies every decision: job changes, retry runs, deleted jobs. A broken job's
// row leaves out what it could not compute (its counters stay, its end is now).
async function applyPlans(tx: Pick<Db, 'execute'>, plan: BatchPlan): Promise<void> {
  await tx.execute(sql`
    WITH changed AS (
      UPDATE edgecron.job AS j
         SET consecutive_failures = coalesce(c.consecutive_failures, j.consecutive_failures),
             last_finished_at = coalesce(c.last_finished_at, now()),
             next_run_at = CASE WHEN c.set_next THEN c.next_run_at ELSE j.next_run_at END,
             state = coalesce(c.state, j.state),
             broken_reason = CASE WHEN c.state = 'broken' THEN c.broken_reason ELSE j.broken_reason END,
             resubmit_count = coalesce(c.resubmit_count, j.resubmit_count),
             resubmit_at = CASE WHEN c.clear_resubmit THEN NULL ELSE j.resubmit_at END
        FROM jsonb_to_recordset(${JSON.stringify([...plan.jobRows.values()])}::jsonb)
             AS c(id bigint, consecutive_failures int, last_finished_at timestamptz, set_next boolean,
                  next_run_at timestamptz, state text, broken_reason text, resubmit_count int, clear_resubmit boolean)
       WHERE j.id = c.id
      RETURNING j.id
    ), retried AS (
      -- A retry has the job's max_wait from its own start, like any run.
      INSERT INTO edgecron.run (job_id, owner, scheduled_for, attempt, status, reason, queue, priority, start_after, not_after)
      SELECT t.job_id, t.owner, t.scheduled_for, t.attempt, 'queued', t.reason, t.queue, t.priority, t.start_after,
             t.start_after + j.max_wait
        FROM jsonb_to_recordset(${JSON.stringify(plan.retries)}::jsonb)
             AS t(job_id bigint, owner text, scheduled_for timestamptz, attempt int, reason text, queue text,
                  priority int, start_after timestamptz)
        JOIN edgecron.job AS j ON j.id = t.job_id
      ON CONFLICT (job_id, scheduled_for, attempt) DO NOTHING
      RETURNING id
    )
    DELETE FROM edgecron.job WHERE id = ANY(${`{${plan.deletes.join(',')}}`}::bigint[])`);
}

function toFinishingJob(j: Record<string, unknown>): FinishingJobRow {
  return {
    kind: j.kind as FinishingJob['kind'],
    state: j.state as JobState,
    ...scheduleColumns(j),
    maxAttempts: toNumber(j.max_attempts),
    retryBackoffMs: toDurationMs(j.retry_backoff_ms, 'retry_backoff'),
    retryBackoffMaxMs: toDurationMs(j.retry_backoff_max_ms, 'retry_backoff_max'),
    brokenAfter: j.broken_after == null ? null : toNumber(j.broken_after),
    consecutiveFailures: toNumber(j.consecutive_failures),
    deleteAfterSuccess: j.delete_after_success === true,
    resubmitAt: toNullableDate(j.resubmit_at, 'resubmit_at (from edgecron.resubmit)'),
    resubmitCount: toNumber(j.resubmit_count),
    resubmitLimit: toNumber(j.resubmit_limit),
    afterIntervalMs: null,
    hasIntervalExpression: j.has_interval_expression === true,
    hasNextTimeStatement: j.has_next_time_statement === true,
  };
}

function applyChange(job: FinishingJobRow, change: JobChange): FinishingJobRow {
  return {
    ...job,
    consecutiveFailures: change.consecutiveFailures,
    state: change.state ?? job.state,
    resubmitCount: change.resubmitCount ?? job.resubmitCount,
    resubmitAt: change.clearResubmit ? null : job.resubmitAt,
  };
}
