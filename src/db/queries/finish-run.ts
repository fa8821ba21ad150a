import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import type { JobState, RunError, RunFallback, RunResult } from '../schema';
import type { ScheduleColumns } from '../../master/job-schedule';
import type { EndStatus, FinishPlan, FinishingJob } from '../../master/finish-plan';
import { releaseDependents } from './release-dependents';
import { toDate, toNullableDate, toNumber } from './rows';

/** How a run ended, as the executor (or the lost-run check) saw it. */
export interface RunEnd {
  runId: number;
  status: EndStatus;
  /** When the command was sent and which backend ran it, if the start was not recorded yet. */
  startedAt?: Date | null;
  backendPid?: number | null;
  result?: RunResult | null;
  error?: RunError | null;
  fallback?: RunFallback | null;
  reason?: string | null;
}

export interface FinishingRunRow {
  jobId: number;
  attempt: number;
  scheduledFor: Date;
}

export type FinishingJobRow = FinishingJob & ScheduleColumns;

/**
 * Records a run's end and applies what follows it (decided by `decide`, pure) in one
 * transaction: the job's counters, next time and state, a retry run, the jobs depending on
 * it, or deleting it. A run that already ended (another master marked it lost) keeps its
 * first outcome and nothing else happens. Returns whether this call ended the run.
 */
export async function finishRun(
  db: Db,
  end: RunEnd,
  decide: (job: FinishingJobRow, run: FinishingRunRow) => FinishPlan,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const ended = await tx.execute<Record<string, unknown>>(sql`
      UPDATE edgecron.run
         SET status = ${end.status}, finished_at = now(), lease_until = NULL,
             started_at = coalesce(started_at, ${end.startedAt?.toISOString() ?? null}::timestamptz),
             backend_pid = coalesce(backend_pid, ${end.backendPid ?? null}::int),
             result = ${end.result ? JSON.stringify(end.result) : null}::jsonb,
             error = ${end.error ? JSON.stringify(end.error) : null}::jsonb,
             fallback = ${end.fallback ? JSON.stringify(end.fallback) : null}::jsonb,
             reason = coalesce(${end.reason ?? null}, reason)
       WHERE id = ${end.runId} AND status = 'running'
       RETURNING job_id, attempt, scheduled_for, owner, queue, priority`);
    const run = ended.rows[0];
    if (!run) return false;

    const found = await tx.execute<Record<string, unknown>>(sql`
      SELECT id, revision, kind, state, schedule, rule, dates, timezone, day_match, start_at, end_at,
             max_attempts, extract(epoch FROM retry_backoff) * 1000 AS retry_backoff_ms,
             extract(epoch FROM retry_backoff_max) * 1000 AS retry_backoff_max_ms, broken_after,
             consecutive_failures, delete_after_success, resubmit_at, resubmit_count, resubmit_limit,
             interval_expression IS NOT NULL AS has_interval_expression
        FROM edgecron.job WHERE id = ${run.job_id} FOR UPDATE`);
    const j = found.rows[0];
    if (!j) return true; // the job was deleted while it ran
    const runRow: FinishingRunRow = {
      jobId: toNumber(run.job_id),
      attempt: toNumber(run.attempt),
      scheduledFor: toDate(run.scheduled_for),
    };
    const plan = decide(
      {
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
      },
      runRow,
    );

    if (plan.deleteJob) {
      await tx.execute(sql`DELETE FROM edgecron.job WHERE id = ${run.job_id}`);
    } else {
      const c = plan.job;
      await tx.execute(sql`
        UPDATE edgecron.job
           SET consecutive_failures = ${c.consecutiveFailures},
               last_finished_at = ${c.lastFinishedAt.toISOString()}::timestamptz,
               next_run_at = CASE WHEN ${c.nextRunAt !== undefined}::boolean THEN ${c.nextRunAt?.toISOString() ?? null}::timestamptz ELSE next_run_at END,
               state = coalesce(${c.state ?? null}, state),
               broken_reason = CASE WHEN ${c.state === 'broken'}::boolean THEN ${c.brokenReason ?? null} ELSE broken_reason END,
               resubmit_count = coalesce(${c.resubmitCount ?? null}::int, resubmit_count),
               resubmit_at = CASE WHEN ${c.clearResubmit === true}::boolean THEN NULL ELSE resubmit_at END
         WHERE id = ${run.job_id}`);
    }
    if (plan.retry) {
      await tx.execute(sql`
        INSERT INTO edgecron.run (job_id, owner, scheduled_for, attempt, status, reason, queue, priority, start_after)
        VALUES (${run.job_id}, ${run.owner}, ${runRow.scheduledFor.toISOString()}::timestamptz, ${plan.retry.attempt}, 'queued',
                ${`retry ${plan.retry.attempt} after the run ${end.status === 'timed_out' ? 'timed out' : end.status}`},
                ${run.queue}, ${run.priority}, ${plan.retry.startAfter.toISOString()}::timestamptz)
        ON CONFLICT (job_id, scheduled_for, attempt) DO NOTHING`);
    }
    if (plan.dependents !== null) await releaseDependents(tx);
    return true;
  });
}
