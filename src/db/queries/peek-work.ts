import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { WAITING_DEPENDENT } from './release-dependents';
import { parseTimestamp, toDate, toNumber } from './rows';

export interface DatabaseSettings {
  pollIntervalMs: number;
  parallelism: number;
  timezone: string;
  paused: boolean;
  scaleToZero: boolean;
  syncIntervalMs: number;
  resultLimit: number;
  retentionAgeMs: number | null;
  retentionMaxRuns: number | null;
  leaseMs: number;
  claimBatch: number;
  allowSuperuserJobs: boolean;
  /** Runs only over a role's own login (EDGECRON_JOB_LOGINS), never with SET ROLE. */
  requireJobLogin: boolean;
}

/** The defaults of edgecron.settings, used until the row is read (or if it was deleted). */
export const DEFAULT_DATABASE_SETTINGS: DatabaseSettings = {
  pollIntervalMs: 1_000,
  parallelism: 8,
  timezone: 'UTC',
  paused: false,
  scaleToZero: false,
  syncIntervalMs: 15 * 60_000,
  resultLimit: 65_536,
  retentionAgeMs: 30 * 24 * 3_600_000,
  retentionMaxRuns: 1_000_000,
  leaseMs: 30_000,
  claimBatch: 500,
  allowSuperuserJobs: true,
  requireJobLogin: false,
};

/** When the next things come due; each null when there is none. */
export interface NextWork {
  /** Earliest `next_run_at` of any job. */
  nextDue: Date | null;
  /** Earliest `start_after` of a queued run (including those whose time has come). */
  nextQueued: Date | null;
  /** Earliest `start_after` still to come (a retry waiting for its backoff). */
  nextWaiting: Date | null;
  /** Earliest deadline (`not_after`, from max_wait) of a queued run. */
  nextDeadline: Date | null;
}

export interface PendingWork extends NextWork {
  settings: DatabaseSettings;
  /** Some job was inserted or changed and needs its timing recomputed. */
  unsynced: boolean;
  /** Some one-time job waits for the jobs it depends on. */
  waiting: boolean;
  /** Some running run's lease has expired: its master may be gone. */
  leaseExpired: boolean;
  /** Some running run was asked to cancel. */
  cancelRequested: boolean;
  /** Some queued run is past its deadline: it must expire. */
  overdue: boolean;
  /** Some run ended without the master (canceled while queued): what follows is still to do. */
  needsFinish: boolean;
  /** The database's clock when it answered. */
  databaseNow: Date;
}

export interface Heartbeat {
  masterId: string;
  database: string;
  startedAt: Date;
  lagMs: number;
  running: number;
  nextDue: Date | null;
}

/**
 * One round trip that tells the master what a tick has to do, with the database's settings,
 * and (when `heartbeat` is given) records the master's heartbeat. Every part is answered from
 * a partial index, so an idle tick costs the same with ten jobs or a million.
 */
export async function peekWork(db: Db, heartbeat: Heartbeat | null): Promise<PendingWork> {
  const beat = heartbeat
    ? sql`, beat AS (
        INSERT INTO edgecron.master_heartbeat AS h
               (master_id, database, started_at, last_tick_at, lag_ms, running, queued, next_due)
        VALUES (${heartbeat.masterId}, ${heartbeat.database}, ${heartbeat.startedAt.toISOString()}::timestamptz,
                now(), ${Math.round(heartbeat.lagMs)}, ${heartbeat.running},
                (SELECT count(*) FROM edgecron.run WHERE status = 'queued'),
                ${heartbeat.nextDue?.toISOString() ?? null}::timestamptz)
        ON CONFLICT (master_id) DO UPDATE
           SET last_tick_at = excluded.last_tick_at, lag_ms = excluded.lag_ms, running = excluded.running,
               queued = excluded.queued, next_due = excluded.next_due)`
    : sql``;
  const result = await db.execute<Record<string, unknown>>(sql`
    WITH one AS (SELECT 1) ${beat}
    SELECT s.id IS NOT NULL AS has_settings,
           extract(epoch FROM s.poll_interval) * 1000 AS poll_ms, s.parallelism, s.timezone, s.paused,
           s.scale_to_zero, extract(epoch FROM s.sync_interval) * 1000 AS sync_ms, s.result_limit,
           extract(epoch FROM s.retention_age) * 1000 AS retention_ms, s.retention_max_runs,
           extract(epoch FROM s.lease) * 1000 AS lease_ms, s.claim_batch, s.allow_superuser_jobs, s.require_job_login,
           ${NEXT_WORK},
           EXISTS (SELECT 1 FROM edgecron.job WHERE needs_sync) AS unsynced,
           EXISTS (SELECT 1 FROM edgecron.job WHERE ${WAITING_DEPENDENT}) AS waiting,
           EXISTS (SELECT 1 FROM edgecron.run WHERE status = 'running' AND lease_until < now()) AS lease_expired,
           EXISTS (SELECT 1 FROM edgecron.run WHERE status = 'running' AND cancel_requested) AS cancel_requested,
           EXISTS (SELECT 1 FROM edgecron.run WHERE status = 'queued' AND not_after < now()) AS overdue,
           EXISTS (SELECT 1 FROM edgecron.run WHERE needs_finish) AS needs_finish,
           now() AS database_now
      FROM one LEFT JOIN edgecron.settings AS s ON s.id`);
  const row = result.rows[0] ?? {};
  const settings: DatabaseSettings = row.has_settings
    ? {
        pollIntervalMs: toNumber(row.poll_ms),
        parallelism: toNumber(row.parallelism),
        timezone: String(row.timezone),
        paused: row.paused === true,
        scaleToZero: row.scale_to_zero === true,
        syncIntervalMs: toNumber(row.sync_ms),
        resultLimit: toNumber(row.result_limit),
        retentionAgeMs: row.retention_ms == null ? null : toNumber(row.retention_ms),
        retentionMaxRuns: row.retention_max_runs == null ? null : toNumber(row.retention_max_runs),
        leaseMs: Math.max(1_000, toNumber(row.lease_ms)),
        claimBatch: toNumber(row.claim_batch),
        allowSuperuserJobs: row.allow_superuser_jobs === true,
        requireJobLogin: row.require_job_login === true,
      }
    : DEFAULT_DATABASE_SETTINGS;
  return {
    settings,
    ...toNextWork(row),
    unsynced: row.unsynced === true,
    waiting: row.waiting === true,
    leaseExpired: row.lease_expired === true,
    cancelRequested: row.cancel_requested === true,
    overdue: row.overdue === true,
    needsFinish: row.needs_finish === true,
    databaseNow: toDate(row.database_now ?? new Date(0)),
  };
}

/** When the next things come due, after a claim or dispatch moved them. */
export async function nextWork(db: Db): Promise<NextWork> {
  const result = await db.execute<Record<string, unknown>>(sql`SELECT ${NEXT_WORK}`);
  return toNextWork(result.rows[0] ?? {});
}

// Each from a partial index (job_due_idx, run_queued_start_idx, run_deadline_idx): one probe.
const NEXT_WORK = sql.raw(`
  (SELECT next_run_at FROM edgecron.job WHERE next_run_at IS NOT NULL ORDER BY next_run_at LIMIT 1) AS next_due,
  (SELECT start_after FROM edgecron.run WHERE status = 'queued' ORDER BY start_after LIMIT 1) AS next_queued,
  (SELECT start_after FROM edgecron.run WHERE status = 'queued' AND start_after > now()
    ORDER BY start_after LIMIT 1) AS next_waiting,
  (SELECT not_after FROM edgecron.run WHERE status = 'queued' AND not_after IS NOT NULL
    ORDER BY not_after LIMIT 1) AS next_deadline`);

function toNextWork(row: Record<string, unknown>): NextWork {
  return {
    nextDue: toDueTime(row.next_due),
    nextQueued: toDueTime(row.next_queued),
    nextWaiting: toDueTime(row.next_waiting),
    nextDeadline: toDueTime(row.next_deadline),
  };
}

/**
 * A due time for the alarm. One the scheduler cannot use must not stop the tick: in the past
 * (-infinity, a BC date) it counts as due long ago, so the claim meets that job and breaks it
 * with the reason; in the future (infinity, past year 9999) as nothing due.
 */
function toDueTime(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return parseTimestamp(value) ?? (/^-|BC$/.test(String(value).trim()) ? new Date(0) : null);
}
