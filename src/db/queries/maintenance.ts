// The master's housekeeping: leases, lost runs, cancel requests, history retention, and the
// runs due when a master starts serving a database.
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { toNumber } from './rows';

/**
 * Extends the lease of every run this master is executing. A run whose row a user holds
 * locked (she may lock her own runs) is skipped, not waited for: only her run's lease runs out.
 */
export async function renewLeases(db: Db, masterId: string, leaseMs: number): Promise<void> {
  await db.execute(sql`
    UPDATE edgecron.run SET lease_until = now() + ${leaseMs} * interval '1 millisecond'
     WHERE id IN (SELECT id FROM edgecron.run WHERE master_id = ${masterId} AND status = 'running'
                    FOR UPDATE SKIP LOCKED)`);
}

/** The application_name of a run's connection: how a DBA, and the lost-run check, find it. */
export function runApplicationName(database: string, runId: number): string {
  return `edgecron ${database} run ${runId}`;
}

/**
 * Running runs whose lease expired: their master stopped renewing it (evicted, redeployed,
 * crashed, cut off from the database). Their outcome is unknown, so they end `lost`; a
 * backend still running one (found by its application_name) is returned so it can be
 * terminated first, which fences off a master that is alive but lost its lease.
 */
export async function findLostRuns(db: Db, database: string): Promise<Array<{ runId: number; backendPid: number | null }>> {
  const result = await db.execute<{ id: string | number; pid: number | null }>(sql`
    SELECT r.id,
           (SELECT a.pid FROM pg_stat_activity AS a
             WHERE a.application_name = ${`edgecron ${database} run `} || r.id LIMIT 1) AS pid
      FROM edgecron.run AS r
     WHERE r.status = 'running' AND r.lease_until < now()
     LIMIT 1000`);
  return result.rows.map((r) => ({ runId: toNumber(r.id), backendPid: r.pid }));
}

/** This master's running runs that were asked to cancel, with their backend. */
export async function cancelRequests(db: Db, masterId: string): Promise<Array<{ runId: number; backendPid: number | null }>> {
  const result = await db.execute<{ id: string | number; backend_pid: number | null }>(sql`
    SELECT id, backend_pid FROM edgecron.run
     WHERE master_id = ${masterId} AND status = 'running' AND cancel_requested`);
  return result.rows.map((r) => ({ runId: toNumber(r.id), backendPid: r.backend_pid }));
}

/** Asks a backend to cancel its statement (first) or terminates it (when that did not help). */
export async function signalBackend(db: Db, pid: number, how: 'cancel' | 'terminate'): Promise<void> {
  await db.execute(
    how === 'cancel' ? sql`SELECT pg_cancel_backend(${pid})` : sql`SELECT pg_terminate_backend(${pid})`,
  );
}

/**
 * Deletes finished runs beyond the retention limits, oldest first, and finished one-time jobs
 * past the age limit, in batches of `batch` so a large backlog never becomes one long delete.
 * Rows someone holds locked are skipped (SKIP LOCKED), never waited for: the next purge takes
 * them. Returns how many rows were deleted.
 */
export async function purgeHistory(
  db: Db,
  limits: { maxAgeMs: number | null; maxRuns: number | null; batch: number },
): Promise<number> {
  let deleted = 0;
  // The runs of a job that a waiting one-time job depends on stay: they say whether it succeeded.
  const notNeeded = sql`NOT EXISTS (SELECT 1 FROM edgecron.job AS w
                         WHERE w.depends_on IS NOT NULL AND w.state = 'active' AND w.next_run_at IS NULL
                           AND r.job_id = ANY(w.depends_on))`;
  if (limits.maxAgeMs !== null) {
    const result = await db.execute(sql`
      DELETE FROM edgecron.run WHERE id IN (
        SELECT r.id FROM edgecron.run AS r
         WHERE r.finished_at < now() - ${limits.maxAgeMs} * interval '1 millisecond' AND ${notNeeded}
         ORDER BY r.finished_at LIMIT ${limits.batch}
           FOR UPDATE OF r SKIP LOCKED)`);
    deleted += result.rowCount ?? 0;
  }
  if (limits.maxAgeMs !== null) {
    // Finished one-time jobs (submitted work, pg_task tasks) go too, with their runs, once
    // older than the same age, unless a job still waiting depends on them.
    // The delete cascades to the jobs' runs: a job with a run it could not lock waits too.
    const result = await db.execute(sql`
      WITH doomed AS (
        SELECT d.id FROM edgecron.job AS d
         WHERE d.kind = 'one_time' AND d.state = 'done'
           AND d.last_finished_at < now() - ${limits.maxAgeMs} * interval '1 millisecond'
           AND NOT EXISTS (SELECT 1 FROM edgecron.job AS w
                            WHERE w.depends_on IS NOT NULL AND w.state = 'active' AND w.next_run_at IS NULL
                              AND d.id = ANY(w.depends_on))
         LIMIT ${limits.batch}
           FOR UPDATE OF d SKIP LOCKED
      ), their_runs AS (
        SELECT r.id FROM edgecron.run AS r WHERE r.job_id IN (SELECT id FROM doomed) FOR UPDATE OF r SKIP LOCKED
      )
      DELETE FROM edgecron.job AS j WHERE j.id IN (SELECT id FROM doomed)
         AND NOT EXISTS (SELECT 1 FROM edgecron.run AS r WHERE r.job_id = j.id AND r.id NOT IN (SELECT id FROM their_runs))`);
    deleted += result.rowCount ?? 0;
  }
  if (limits.maxRuns !== null) {
    const result = await db.execute(sql`
      DELETE FROM edgecron.run WHERE id IN (
        SELECT r.id FROM edgecron.run AS r
         WHERE r.finished_at IS NOT NULL AND ${notNeeded}
           AND r.id <= (SELECT id FROM edgecron.run ORDER BY id DESC OFFSET ${limits.maxRuns} LIMIT 1)
         ORDER BY r.id LIMIT ${limits.batch}
           FOR UPDATE OF r SKIP LOCKED)`);
    deleted += result.rowCount ?? 0;
  }
  return deleted;
}

/** Jobs that may fire when the scheduler starts serving the database (`@reboot`, `onstart`). */
export async function loadStartupJobs(db: Db) {
  const result = await db.execute<Record<string, unknown>>(sql`
    SELECT id, revision, owner, schedule, rule, dates, timezone, day_match, start_at, end_at, queue, priority
      FROM edgecron.job
     WHERE state = 'active' AND enabled
       AND (schedule ILIKE '%reboot%' OR schedule ILIKE '%restart%' OR schedule ILIKE '%onstart%'
            OR rule ? 'onstart')`);
  return result.rows;
}

/**
 * Queues one run for each job, as of the database's now (the scheduler just started). A job
 * whose row a user holds locked FOR UPDATE is skipped (its run row's foreign key would wait).
 */
export async function queueStartupRuns(db: Db, jobIds: number[]): Promise<void> {
  if (jobIds.length === 0) return;
  await db.execute(sql`
    INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, reason, queue, priority, start_after)
    SELECT j.id, j.owner, date_trunc('milliseconds', now()), 'queued', 'the scheduler started', j.queue, j.priority, now()
      FROM edgecron.job AS j WHERE j.id = ANY(${`{${jobIds.join(',')}}`}::bigint[])
       FOR KEY SHARE OF j SKIP LOCKED
    ON CONFLICT (job_id, scheduled_for, attempt) DO NOTHING`);
}
