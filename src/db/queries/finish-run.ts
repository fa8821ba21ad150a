import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import type { JobState, RunError, RunFallback, RunResult } from '../schema';
import type { ScheduleColumns } from '../../master/job-schedule';
import type { EndStatus, FinishPlan, FinishingJob, JobChange } from '../../master/finish-plan';
import { releaseDependents } from './release-dependents';
import { toDate, toNullableDate, toNumber } from './rows';

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

/**
 * Records the ends of several runs and applies what follows each (decided by `decide`, pure)
 * in one transaction, so a burst of runs ending together costs a few round trips, not a few
 * per run: the jobs' counters, next time and state, retry runs, deleted jobs, and (after the
 * commit) the one-time jobs depending on them. Ends a running run; a queued run only as
 * `expired`, once past its deadline; and finishes a run that ended without the master
 * (`needs_finish`, canceled while queued) with the status it has. A run that already ended
 * (another master marked it lost) keeps its first outcome. Returns the ids of the runs this
 * call ended.
 */
export async function finishRuns(
  db: Db,
  ends: RunEnd[],
  decide: (job: FinishingJobRow, run: FinishingRunRow, end: RunEnd) => FinishPlan,
): Promise<number[]> {
  if (ends.length === 0) return [];
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
    // One statement ends the runs and locks their jobs (FOR UPDATE, in id order, so two
    // masters finishing runs of the same jobs cannot deadlock) for the decisions below.
    const ended = await tx.execute<Record<string, unknown>>(sql`
      WITH ended AS (
        UPDATE edgecron.run AS r
           SET status = e.status, lease_until = NULL, needs_finish = false,
               finished_at = coalesce(e.finished_at, CASE WHEN r.needs_finish THEN r.finished_at END, now()),
               started_at = coalesce(r.started_at, e.started_at), backend_pid = coalesce(r.backend_pid, e.backend_pid),
               result = e.result, error = e.error, fallback = e.fallback, reason = coalesce(e.reason, r.reason)
          FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
               AS e(id bigint, status text, started_at timestamptz, finished_at timestamptz, backend_pid int,
                    result jsonb, error jsonb, fallback jsonb, reason text)
         WHERE r.id = e.id
           AND (r.status = 'running'
                OR (e.status = 'expired' AND r.status = 'queued' AND r.not_after < now())
                OR (r.needs_finish AND r.status = e.status))
        RETURNING r.id, r.job_id, r.attempt, r.scheduled_for, r.owner, r.queue, r.priority
      ), jobs AS (
        SELECT j.id, j.kind, j.state, j.schedule, j.rule, j.dates, j.timezone, j.day_match, j.start_at, j.end_at,
               j.max_attempts, extract(epoch FROM j.retry_backoff) * 1000 AS retry_backoff_ms,
               extract(epoch FROM j.retry_backoff_max) * 1000 AS retry_backoff_max_ms, j.broken_after,
               j.consecutive_failures, j.delete_after_success, j.resubmit_at, j.resubmit_count, j.resubmit_limit,
               j.interval_expression IS NOT NULL AS has_interval_expression
          FROM edgecron.job AS j
         WHERE j.id IN (SELECT job_id FROM ended)
         ORDER BY j.id
           FOR UPDATE
      )
      SELECT 'run' AS row_kind, to_jsonb(ended) AS data FROM ended
      UNION ALL
      SELECT 'job', to_jsonb(jobs) FROM jobs`);
    const rows = ended.rows.map((r) => ({ kind: String(r.row_kind), data: r.data as Record<string, unknown> }));
    const runs = rows
      .filter((r) => r.kind === 'run')
      .map(({ data: r }) => ({
        runId: toNumber(r.id),
        jobId: toNumber(r.job_id),
        attempt: toNumber(r.attempt),
        scheduledFor: toDate(r.scheduled_for),
        owner: String(r.owner),
        queue: (r.queue as string | null) ?? null,
        priority: toNumber(r.priority),
      }))
      .sort((a, b) => a.runId - b.runId);
    if (runs.length === 0) return { endedIds: [], dependents: false };
    const jobs = new Map(rows.filter((r) => r.kind === 'job').map(({ data: j }) => [toNumber(j.id), toFinishingJob(j)]));

    const changes = new Map<number, JobChange>();
    const retries: Array<Record<string, unknown>> = [];
    const deletes: number[] = [];
    let dependents = false;
    for (const run of runs) {
      const job = jobs.get(run.jobId);
      if (!job) continue; // the job was deleted while it ran
      const end = byRun.get(run.runId)!;
      const plan = decide(job, run, end);
      // Several runs of one job may end in one batch: each sees the job as the last left it.
      jobs.set(run.jobId, applyChange(job, plan.job));
      changes.set(run.jobId, { ...changes.get(run.jobId), ...plan.job });
      if (plan.retry) {
        retries.push({
          job_id: run.jobId,
          owner: run.owner,
          scheduled_for: run.scheduledFor.toISOString(),
          attempt: plan.retry.attempt,
          reason: `retry ${plan.retry.attempt} after the run ${end.status === 'timed_out' ? 'timed out' : end.status}`,
          queue: run.queue,
          priority: run.priority,
          start_after: plan.retry.startAfter.toISOString(),
        });
      }
      if (plan.deleteJob) deletes.push(run.jobId);
      if (plan.dependents !== null) dependents = true;
    }

    // A job about to be deleted is not also updated (one row, one change per statement).
    const rows2 = [...changes].filter(([id]) => !deletes.includes(id)).map(([id, c]) => ({
      id,
      consecutive_failures: c.consecutiveFailures,
      last_finished_at: c.lastFinishedAt.toISOString(),
      set_next: c.nextRunAt !== undefined,
      next_run_at: c.nextRunAt?.toISOString() ?? null,
      state: c.state ?? null,
      broken_reason: c.brokenReason ?? null,
      resubmit_count: c.resubmitCount ?? null,
      clear_resubmit: c.clearResubmit === true,
    }));
    // One statement applies every decision: job changes, retry runs, deleted jobs.
    await tx.execute(sql`
      WITH changed AS (
        UPDATE edgecron.job AS j
           SET consecutive_failures = c.consecutive_failures,
               last_finished_at = c.last_finished_at,
               next_run_at = CASE WHEN c.set_next THEN c.next_run_at ELSE j.next_run_at END,
               state = coalesce(c.state, j.state),
               broken_reason = CASE WHEN c.state = 'broken' THEN c.broken_reason ELSE j.broken_reason END,
               resubmit_count = coalesce(c.resubmit_count, j.resubmit_count),
               resubmit_at = CASE WHEN c.clear_resubmit THEN NULL ELSE j.resubmit_at END
          FROM jsonb_to_recordset(${JSON.stringify(rows2)}::jsonb)
               AS c(id bigint, consecutive_failures int, last_finished_at timestamptz, set_next boolean,
                    next_run_at timestamptz, state text, broken_reason text, resubmit_count int, clear_resubmit boolean)
         WHERE j.id = c.id
        RETURNING j.id
      ), retried AS (
        -- A retry has the job's max_wait from its own start, like any run.
        INSERT INTO edgecron.run (job_id, owner, scheduled_for, attempt, status, reason, queue, priority, start_after, not_after)
        SELECT t.job_id, t.owner, t.scheduled_for, t.attempt, 'queued', t.reason, t.queue, t.priority, t.start_after,
               t.start_after + j.max_wait
          FROM jsonb_to_recordset(${JSON.stringify(retries)}::jsonb)
               AS t(job_id bigint, owner text, scheduled_for timestamptz, attempt int, reason text, queue text,
                    priority int, start_after timestamptz)
          JOIN edgecron.job AS j ON j.id = t.job_id
        ON CONFLICT (job_id, scheduled_for, attempt) DO NOTHING
        RETURNING id
      )
      DELETE FROM edgecron.job WHERE id = ANY(${`{${deletes.join(',')}}`}::bigint[])`);
    return { endedIds: runs.map((r) => r.runId), dependents };
  });
  if (outcome.dependents) await releaseDependents(db);
  return outcome.endedIds;
}

function toFinishingJob(j: Record<string, unknown>): FinishingJobRow {
  return {
    kind: j.kind as FinishingJob['kind'],
    state: j.state as JobState,
    schedule: (j.schedule as string | null) ?? null,
    rule: j.rule ?? null,
    dates: (j.dates as Array<Date | string> | null) ?? null,
    timezone: (j.timezone as string | null) ?? null,
    dayMatch: (j.day_match as 'any' | 'all' | null) ?? null,
    startAt: toNullableDate(j.start_at),
    endAt: toNullableDate(j.end_at),
    maxAttempts: toNumber(j.max_attempts),
    retryBackoffMs: toNumber(j.retry_backoff_ms),
    retryBackoffMaxMs: toNumber(j.retry_backoff_max_ms),
    brokenAfter: j.broken_after == null ? null : toNumber(j.broken_after),
    consecutiveFailures: toNumber(j.consecutive_failures),
    deleteAfterSuccess: j.delete_after_success === true,
    resubmitAt: toNullableDate(j.resubmit_at),
    resubmitCount: toNumber(j.resubmit_count),
    resubmitLimit: toNumber(j.resubmit_limit),
    afterIntervalMs: null,
    hasIntervalExpression: j.has_interval_expression === true,
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
