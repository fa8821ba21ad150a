import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { parseTimestamp, toNullableNumber, toNumber } from './rows';

/** A run this master has taken to execute, with the job definition it runs. */
export interface StartedRun {
  runId: number;
  jobId: number;
  attempt: number;
  scheduledFor: Date;
  startAfter: Date;
  owner: string;
  role: string;
  commands: string[];
  params: unknown[] | null;
  useSameTransaction: boolean;
  maxRunTimeMs: number | null;
  fallback: string | null;
  intervalExpression: string | null;
  nextTimeStatement: string | null;
}

/**
 * Takes up to `free` waiting runs whose start time has come (within `horizon`), in priority
 * order, and marks them `running` under this master's lease, in one statement: candidates are
 * locked with FOR UPDATE SKIP LOCKED (a run is taken by one master only), ranked per job and
 * per queue so no job exceeds `max_instances` and no queue its `max_running` (counting runs
 * already running), and the chosen ones updated. Runs past their deadline (`not_after`) are
 * passed over: expiring them is the finishing step's work (expireOverdueRuns), whether or not a
 * slot is free. Limits are exact for one master (its dispatches are serialised); two masters
 * dispatching in the same instant can briefly exceed them together.
 */
export async function dispatchRuns(
  db: Db,
  options: { masterId: string; horizon: Date; free: number; candidates: number; leaseMs: number },
): Promise<StartedRun[]> {
  const result = await db.execute<Record<string, unknown>>(sql`
    WITH candidates AS (
      SELECT r.id, r.job_id, r.queue, r.priority, r.start_after,
             coalesce(q.max_running, 1) AS queue_limit, j.max_instances,
             job_running.n AS job_running, queue_running.n AS queue_running
        FROM edgecron.run AS r
        JOIN edgecron.job AS j ON j.id = r.job_id
        LEFT JOIN edgecron.queue AS q ON q.name = r.queue
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM edgecron.run AS x
                             WHERE x.job_id = r.job_id AND x.status = 'running') AS job_running
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM edgecron.run AS x
                             WHERE r.queue IS NOT NULL AND x.queue = r.queue AND x.status = 'running') AS queue_running
       WHERE r.status = 'queued' AND r.start_after <= ${options.horizon.toISOString()}::timestamptz
         -- Runs that cannot start (their job or queue is at its limit, or too late) are passed
         -- over here, so they never hold back the runs behind them.
         AND (r.not_after IS NULL OR r.not_after >= now())
         AND job_running.n < j.max_instances AND (r.queue IS NULL OR queue_running.n < coalesce(q.max_running, 1))
       -- NULLS LAST as in run_queued_idx, so the scan follows the index and stops early.
       ORDER BY r.priority DESC NULLS LAST, r.start_after, r.id
       LIMIT ${options.candidates}
         FOR UPDATE OF r SKIP LOCKED
    ), ranked AS (
      SELECT c.*,
             row_number() OVER (PARTITION BY c.job_id ORDER BY c.priority DESC, c.start_after, c.id) AS job_rank,
             row_number() OVER (PARTITION BY c.queue ORDER BY c.priority DESC, c.start_after, c.id) AS queue_rank
        FROM candidates AS c
    ), chosen AS (
      SELECT id FROM ranked
       WHERE job_running + job_rank <= max_instances
         AND (queue IS NULL OR queue_running + queue_rank <= queue_limit)
       ORDER BY priority DESC, start_after, id
       LIMIT ${options.free}
    )
    UPDATE edgecron.run AS r
       SET status = 'running', master_id = ${options.masterId},
           lease_until = now() + ${options.leaseMs} * interval '1 millisecond', role = coalesce(j.run_as, j.owner)
      FROM chosen, edgecron.job AS j
     WHERE r.id = chosen.id AND j.id = r.job_id
    RETURNING r.id, r.job_id, r.attempt, r.scheduled_for, r.start_after, j.owner, coalesce(j.run_as, j.owner) AS role,
              j.command, j.commands, j.params, j.use_same_transaction,
              extract(epoch FROM j.max_run_time) * 1000 AS max_run_time_ms,
              j.fallback, j.interval_expression, j.next_time_statement`);
  return result.rows
    .map((r) => ({
      runId: toNumber(r.id),
      jobId: toNumber(r.job_id),
      attempt: toNumber(r.attempt),
      // Never throws: these runs are marked running already. A time the scheduler cannot use
      // (SQL can write anything a timestamptz holds) means at once.
      scheduledFor: parseTimestamp(r.scheduled_for) ?? new Date(0),
      startAfter: parseTimestamp(r.start_after) ?? new Date(0),
      owner: String(r.owner),
      role: String(r.role),
      commands: (r.commands as string[] | null) ?? [String(r.command)],
      params: (r.params as unknown[] | null) ?? null,
      useSameTransaction: r.use_same_transaction === true,
      maxRunTimeMs: toNullableNumber(r.max_run_time_ms),
      fallback: (r.fallback as string | null) ?? null,
      intervalExpression: (r.interval_expression as string | null) ?? null,
      nextTimeStatement: (r.next_time_statement as string | null) ?? null,
    }))
    .sort((a, b) => a.startAfter.getTime() - b.startAfter.getTime());
}
