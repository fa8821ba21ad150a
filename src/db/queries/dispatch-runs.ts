import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import type { DispatchCandidate, DispatchChoice } from '../../master/dispatch-plan';
import { toDate, toNullableDate, toNullableNumber, toNumber } from './rows';

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

// Serialises dispatch across every master of the database, so per-job and per-queue limits
// hold exactly even when two masters run; the lock is held only for this short transaction.
const DISPATCH_LOCK = sql`SELECT pg_advisory_xact_lock(hashtext('edgecron.dispatch'))`;

/**
 * Takes waiting runs whose start time has come (within `horizon`) and marks the chosen ones
 * `running` under this master's lease; runs past their deadline become `expired`.
 */
export async function dispatchRuns(
  db: Db,
  options: {
    masterId: string;
    horizon: Date;
    candidates: number;
    leaseMs: number;
    choose: (candidates: DispatchCandidate[]) => DispatchChoice;
  },
): Promise<StartedRun[]> {
  return db.transaction(async (tx) => {
    await tx.execute(DISPATCH_LOCK);
    const found = await tx.execute<Record<string, unknown>>(sql`
      SELECT r.id, r.job_id, r.attempt, r.scheduled_for, r.start_after, r.not_after, r.queue,
             j.owner, coalesce(j.run_as, j.owner) AS role, j.command, j.commands, j.params,
             j.use_same_transaction, j.max_instances, extract(epoch FROM j.max_run_time) * 1000 AS max_run_time_ms,
             j.fallback, j.interval_expression, j.next_time_statement,
             job_running.n AS job_running, queue_running.n AS queue_running,
             coalesce(q.max_running, 1) AS queue_limit
        FROM edgecron.run AS r
        JOIN edgecron.job AS j ON j.id = r.job_id
        LEFT JOIN edgecron.queue AS q ON q.name = r.queue
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM edgecron.run AS x
                             WHERE x.job_id = r.job_id AND x.status = 'running') AS job_running
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM edgecron.run AS x
                             WHERE r.queue IS NOT NULL AND x.queue = r.queue AND x.status = 'running') AS queue_running
       WHERE r.status = 'queued' AND r.start_after <= ${options.horizon.toISOString()}::timestamptz
         -- Runs that cannot start (their job or queue is at its limit) are passed over here,
         -- so they never hold back the runs behind them; overdue ones come through to expire.
         AND (r.not_after < now()
              OR (job_running.n < j.max_instances AND (r.queue IS NULL OR queue_running.n < coalesce(q.max_running, 1))))
       ORDER BY r.priority DESC, r.start_after, r.id
       LIMIT ${options.candidates}`);
    const rows = new Map(found.rows.map((r) => [toNumber(r.id), r]));
    const choice = options.choose(
      found.rows.map((r) => ({
        runId: toNumber(r.id),
        jobId: toNumber(r.job_id),
        queue: (r.queue as string | null) ?? null,
        notAfter: toNullableDate(r.not_after),
        maxInstances: toNumber(r.max_instances),
        jobRunning: toNumber(r.job_running),
        queueRunning: toNumber(r.queue_running),
        queueLimit: toNumber(r.queue_limit),
      })),
    );
    if (choice.expire.length > 0) {
      await tx.execute(sql`
        UPDATE edgecron.run
           SET status = 'expired', finished_at = now(),
               reason = 'could not start before its deadline (max_wait): ' || to_char(not_after, 'YYYY-MM-DD"T"HH24:MI:SS.MSOF')
         WHERE id = ANY(${`{${choice.expire.join(',')}}`}::bigint[]) AND status = 'queued'`);
    }
    if (choice.start.length === 0) return [];
    await tx.execute(sql`
      UPDATE edgecron.run AS r
         SET status = 'running', master_id = ${options.masterId},
             lease_until = now() + ${options.leaseMs} * interval '1 millisecond',
             role = coalesce(j.run_as, j.owner)
        FROM edgecron.job AS j
       WHERE j.id = r.job_id AND r.id = ANY(${`{${choice.start.join(',')}}`}::bigint[])`);
    return choice.start.map((id) => {
      const r = rows.get(id)!;
      const commands = (r.commands as string[] | null) ?? [String(r.command)];
      return {
        runId: id,
        jobId: toNumber(r.job_id),
        attempt: toNumber(r.attempt),
        scheduledFor: toDate(r.scheduled_for),
        startAfter: toDate(r.start_after),
        owner: String(r.owner),
        role: String(r.role),
        commands,
        params: (r.params as unknown[] | null) ?? null,
        useSameTransaction: r.use_same_transaction === true,
        maxRunTimeMs: toNullableNumber(r.max_run_time_ms),
        fallback: (r.fallback as string | null) ?? null,
        intervalExpression: (r.interval_expression as string | null) ?? null,
        nextTimeStatement: (r.next_time_statement as string | null) ?? null,
      };
    });
  });
}
