import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import type { MisfirePolicy, OverlapPolicy } from '../schema';
import type { ClaimDecision, DueJob } from '../../master/timing';
import { brokenReason, isoFor, scheduleColumns, toDate, toNullableDate, toNullableDurationMs, toNumber } from './rows';

export interface ClaimOptions {
  horizon: Date;
  limit: number;
  /** Applies the misfire and overlap policies to a due job (pure): decideDueJob. */
  decide: (job: DueJob) => ClaimDecision;
  /** Told of each job broken because its row could not be read or its decision made. */
  onBroken?: (jobId: number, reason: string) => void;
}

/**
 * Claims due slots exactly once, whatever races (a retried alarm, the watchdog and an alarm
 * at once, two masters on one database): due jobs are locked with FOR UPDATE SKIP LOCKED (a
 * second master skips them instead of waiting), each slot's run row is inserted with ON
 * CONFLICT DO NOTHING on (job_id, scheduled_for, attempt), and `next_run_at` moves on in the
 * same transaction. A master that claimed a slot and died leaves a queued run, never a second
 * claim. A job whose row holds a value the scheduler cannot use, or whose decision throws, is
 * broken with the reason and gets no run; the others are claimed. Returns how many jobs were
 * claimed or broken (a full batch means more may be due).
 */
export async function claimDueRuns(db: Db, options: ClaimOptions): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx.execute<Record<string, unknown>>(sql`
      SELECT j.id, j.revision, j.kind, j.owner, j.schedule, j.rule, j.dates, j.timezone, j.day_match,
             j.start_at, j.end_at, j.next_run_at, j.anchor_at, j.last_finished_at, j.overlap,
             j.max_instances, j.queue_limit, j.misfire, j.misfire_cap,
             extract(epoch FROM j.max_wait) * 1000 AS max_wait_ms, j.queue, j.priority,
             (j.interval_expression IS NOT NULL OR j.next_time_statement IS NOT NULL) AS next_time_from_sql,
             (SELECT max(r.scheduled_for) FROM edgecron.run AS r WHERE r.job_id = j.id AND j.kind = 'one_time') AS last_run_slot,
             (SELECT count(*) FROM edgecron.run AS r WHERE r.job_id = j.id AND r.status = 'running') AS running,
             (SELECT count(*) FROM edgecron.run AS r WHERE r.job_id = j.id AND r.status = 'queued') AS queued
        FROM edgecron.job AS j
       WHERE j.next_run_at <= ${options.horizon.toISOString()}::timestamptz
         AND j.enabled AND j.state = 'active' AND NOT j.needs_sync
       ORDER BY j.next_run_at
       LIMIT ${options.limit}
         FOR UPDATE OF j SKIP LOCKED`);
    if (due.rows.length === 0) return 0;

    const runs: Array<Record<string, unknown>> = [];
    const jobs: Array<Record<string, unknown>> = [];
    for (const r of due.rows) {
      const id = toNumber(r.id);
      try {
        const decision = options.decide(toDueJob(r));
        // Written out here, inside the job's own try: a time PostgreSQL cannot take breaks this job only.
        const planned = decision.runs.map((run) => ({
          job_id: run.jobId,
          owner: run.owner,
          scheduled_for: isoFor(run.scheduledFor, 'the slot'),
          status: run.status,
          reason: run.reason,
          queue: run.queue,
          priority: run.priority,
          not_after: run.notAfter === null ? null : isoFor(run.notAfter, 'the deadline from max_wait'),
        }));
        const job = {
          id: decision.jobId,
          next_run_at: decision.nextRunAt === null ? null : isoFor(decision.nextRunAt, 'next_run_at'),
          last_slot: isoFor(decision.lastSlot, 'the slot'),
          state: decision.state,
          broken: decision.brokenReason,
        };
        runs.push(...planned);
        jobs.push(job);
      } catch (e) {
        const reason = brokenReason(e, 'claim a slot of');
        options.onBroken?.(id, reason);
        jobs.push({ id, next_run_at: null, last_slot: null, state: 'broken', broken: reason });
      }
    }

    if (runs.length > 0) {
      await tx.execute(sql`
        INSERT INTO edgecron.run (job_id, owner, scheduled_for, attempt, status, reason, queue, priority,
                                  start_after, not_after, finished_at)
        SELECT r.job_id, r.owner, r.scheduled_for, 1, r.status, r.reason, r.queue, r.priority,
               r.scheduled_for, r.not_after, CASE WHEN r.status = 'queued' THEN NULL ELSE now() END
          FROM jsonb_to_recordset(${JSON.stringify(runs)}::jsonb)
               AS r(job_id bigint, owner text, scheduled_for timestamptz, status text, reason text,
                    queue text, priority int, not_after timestamptz)
        ON CONFLICT (job_id, scheduled_for, attempt) DO NOTHING`);
    }

    await tx.execute(sql`
      UPDATE edgecron.job AS j
         SET next_run_at = d.next_run_at, last_scheduled_for = coalesce(d.last_slot, j.last_scheduled_for), state = d.state,
             broken_reason = CASE WHEN d.state = 'broken' THEN d.broken ELSE j.broken_reason END
        FROM jsonb_to_recordset(${JSON.stringify(jobs)}::jsonb)
             AS d(id bigint, next_run_at timestamptz, last_slot timestamptz, state text, broken text)
       WHERE j.id = d.id`);
    return jobs.length;
  });
}

function toDueJob(r: Record<string, unknown>): DueJob {
  return {
    id: toNumber(r.id),
    revision: toNumber(r.revision),
    kind: r.kind as DueJob['kind'],
    owner: String(r.owner),
    ...scheduleColumns(r),
    nextRunAt: toDate(r.next_run_at, 'next_run_at'),
    lastRunSlot: toNullableDate(r.last_run_slot, 'the latest slot of its runs'),
    anchorAt: toDate(r.anchor_at, 'anchor_at'),
    lastFinishedAt: toNullableDate(r.last_finished_at, 'last_finished_at'),
    overlap: r.overlap as OverlapPolicy,
    maxInstances: toNumber(r.max_instances),
    queueLimit: toNumber(r.queue_limit),
    misfire: r.misfire as MisfirePolicy,
    misfireCap: toNumber(r.misfire_cap),
    maxWaitMs: toNullableDurationMs(r.max_wait_ms, 'max_wait'),
    queue: (r.queue as string | null) ?? null,
    priority: toNumber(r.priority),
    nextTimeFromSql: r.next_time_from_sql === true,
    running: toNumber(r.running),
    queued: toNumber(r.queued),
  };
}
