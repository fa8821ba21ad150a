// The master's housekeeping: leases, lost runs, overdue and canceled runs, cancel requests,
// and the runs due when a master starts serving a database. Retention: purge-history.ts.
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { toDate, toNumber } from './rows';

/** A run this master executes, as its lease renewal sees it. */
export interface LeasedRun {
  runId: number;
  /** Its backend, once its session is prepared. */
  backendPid: number | null;
  /** Its session is prepared and still runs the job: its backend must be there. */
  checkBackend: boolean;
  /** The role it runs as (the backend's login, when the role logs in as itself). */
  role: string;
}

// Backend `a` is of this database and its application_name names run `runId` (a column),
// whatever name its master gave the database (two deployments may call one database differently).
const namesRun = (runId: 'r.id' | 'm.id') =>
  `a.datname = current_database() AND a.application_name LIKE 'edgecron % run ' || ${runId}`;

// Backend `a`, known by the run's pid, is still the run's: it names the run, or it is a session
// of the executor's login or of the run's role whose name is not edgecron's. The second is a job
// that reset or changed its application_name (RESET ALL, DISCARD ALL, SET application_name): it
// must not be taken for gone, or it would run twice. A pid reused by another run's session, by a
// master's own session or by another role's is not the run's. (PIDs are handed out in sequence,
// so reuse within a lease is rare; an idle pooled session, named '' after its reset, is the one
// case the name cannot tell apart.)
const stillRun = (runId: 'r.id' | 'm.id', role: 'r.role' | 'm.role') =>
  sql.raw(`(${namesRun(runId)}
            OR (a.datname = current_database() AND a.application_name NOT LIKE 'edgecron %'
                AND a.usename IN (session_user, ${role})))`);

/**
 * Extends the leases of `runs` (this master's, still running) and returns the ids of those
 * whose backend is gone from pg_stat_activity (or is now another's) although their
 * session should be live: a connection that looks open to the master but whose backend ended
 * (half-open). Those are not renewed; the master ends them lost.
 */
export async function renewLeases(db: Db, masterId: string, leaseMs: number, runs: LeasedRun[]): Promise<number[]> {
  if (runs.length === 0) return [];
  const payload = runs.map((r) => ({ id: r.runId, pid: r.backendPid, check_backend: r.checkBackend && r.backendPid !== null, role: r.role }));
  const result = await db.execute<{ id: string | number }>(sql`
    WITH mine AS (
      SELECT m.id, m.pid, m.check_backend,
             (NOT m.check_backend OR EXISTS (SELECT 1 FROM pg_stat_activity AS a
                                              WHERE a.pid = m.pid AND ${stillRun('m.id', 'm.role')})) AS alive
        FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) AS m(id bigint, pid int, check_backend boolean, role text)
    ), renewed AS (
      -- A run whose row a user holds locked (she may lock her own runs) is skipped, not waited
      -- for: only her run's lease runs out.
      UPDATE edgecron.run AS r SET lease_until = now() + ${leaseMs} * interval '1 millisecond'
        FROM mine AS m
       WHERE r.id = m.id AND m.alive
         AND r.id IN (SELECT x.id FROM edgecron.run AS x
                       WHERE x.id IN (SELECT id FROM mine) AND x.master_id = ${masterId} AND x.status = 'running'
                         FOR UPDATE SKIP LOCKED)
    )
    SELECT r.id FROM edgecron.run AS r JOIN mine AS m ON m.id = r.id
     WHERE NOT m.alive AND r.master_id = ${masterId} AND r.status = 'running'`);
  return result.rows.map((r) => toNumber(r.id));
}

/**
 * The application_name of a run's connection: how a DBA, and the lost-run check, find it. The
 * database's name is shortened so the whole name fits PostgreSQL's 63 bytes and always ends
 * in the run's id.
 */
export function runApplicationName(database: string, runId: number): string {
  const suffix = ` run ${runId}`;
  const room = 63 - 'edgecron '.length - suffix.length;
  return `edgecron ${database.slice(0, Math.max(0, room))}${suffix}`;
}

/**
 * Running runs whose lease expired: their master stopped renewing it (evicted, redeployed,
 * crashed, cut off from the database). Their outcome is unknown, so they end `lost`; a
 * backend still running one is returned so it can be terminated first, which fences off a
 * master that is alive but lost its lease. The backend is the run's recorded backend_pid
 * while it is still the run's (stillRun: a pid is reused once its backend ends); before the
 * pid was recorded, the backend naming the run.
 */
export async function findLostRuns(db: Db): Promise<Array<{ runId: number; backendPid: number | null }>> {
  const result = await db.execute<{ id: string | number; pid: number | null }>(sql`
    SELECT r.id,
           (SELECT a.pid FROM pg_stat_activity AS a
             WHERE CASE WHEN r.backend_pid IS NULL THEN ${sql.raw(namesRun('r.id'))}
                        ELSE a.pid = r.backend_pid AND ${stillRun('r.id', 'r.role')} END
             LIMIT 1) AS pid
      FROM edgecron.run AS r
     WHERE r.status = 'running' AND r.lease_until < now()
     LIMIT 1000`);
  return result.rows.map((r) => ({ runId: toNumber(r.id), backendPid: r.pid }));
}

/** Queued runs past their deadline (max_wait), earliest first: they end `expired`. */
export async function findOverdueRuns(db: Db, limit: number): Promise<Array<{ runId: number; notAfter: Date }>> {
  const result = await db.execute<{ id: string | number; not_after: unknown }>(sql`
    SELECT id, not_after FROM edgecron.run
     WHERE status = 'queued' AND not_after < now()
     ORDER BY not_after LIMIT ${limit}`);
  return result.rows.map((r) => ({ runId: toNumber(r.id), notAfter: toDate(r.not_after) }));
}

/** Runs that ended without the master (canceled while queued), with how they ended. */
export async function findRunsToFinish(db: Db, limit: number): Promise<Array<{ runId: number; status: string }>> {
  const result = await db.execute<{ id: string | number; status: string }>(sql`
    SELECT id, status FROM edgecron.run WHERE needs_finish ORDER BY id LIMIT ${limit}`);
  return result.rows.map((r) => ({ runId: toNumber(r.id), status: r.status }));
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

/** Startup jobs past their end_at: they will never run again, so they are done (unless locked). */
export async function endStartupJobs(db: Db, jobIds: number[]): Promise<void> {
  if (jobIds.length === 0) return;
  await db.execute(sql`
    UPDATE edgecron.job SET state = 'done', next_run_at = NULL
     WHERE id IN (SELECT id FROM edgecron.job WHERE id = ANY(${`{${jobIds.join(',')}}`}::bigint[]) AND state = 'active'
                     FOR UPDATE SKIP LOCKED)`);
}
