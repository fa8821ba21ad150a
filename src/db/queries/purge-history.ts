// History retention: finished runs beyond the age and count limits, finished one-time jobs past
// the age limit, and the heartbeats of masters long gone. Each call deletes one small batch, so
// no delete holds locks or bloats WAL for long; the master loops over batches while behind.
// Rows someone holds locked are skipped (SKIP LOCKED), never waited for: a later batch takes them.
import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { toNullableNumber } from './rows';

// A job (and its runs) that a waiting one-time job depends on stays: its last run says whether
// the dependency succeeded.
const neededBy = (jobId: 'r.job_id' | 'd.id') =>
  sql.raw(`EXISTS (SELECT 1 FROM edgecron.job AS w
                    WHERE w.depends_on IS NOT NULL AND w.state = 'active' AND w.next_run_at IS NULL
                      AND w.last_scheduled_for IS NULL AND ${jobId} = ANY(w.depends_on))`);

/** Deletes up to `batch` finished runs that finished more than `maxAgeMs` ago, oldest first. */
export async function purgeOldRuns(db: Db, maxAgeMs: number, batch: number): Promise<number> {
  const result = await db.execute(sql`
    DELETE FROM edgecron.run WHERE id IN (
      SELECT r.id FROM edgecron.run AS r
       WHERE r.finished_at < now() - ${maxAgeMs} * interval '1 millisecond'
         AND NOT r.needs_finish AND NOT ${neededBy('r.job_id')}
       ORDER BY r.finished_at LIMIT ${batch}
         FOR UPDATE OF r SKIP LOCKED)`);
  return result.rowCount ?? 0;
}

/**
 * Deletes up to `batch` one-time jobs (submitted work, pg_task tasks), with their runs, done
 * more than `maxAgeMs` ago, unless a job still waiting depends on them.
 */
export async function purgeOldJobs(db: Db, maxAgeMs: number, batch: number): Promise<number> {
  // The delete cascades to the jobs' runs: a job with a run it could not lock waits too.
  const result = await db.execute<{ deleted: string | number }>(sql`
    WITH doomed AS (
      SELECT d.id FROM edgecron.job AS d
       WHERE d.kind = 'one_time' AND d.state = 'done'
         AND d.last_finished_at < now() - ${maxAgeMs} * interval '1 millisecond'
         AND NOT ${neededBy('d.id')}
       LIMIT ${batch}
         FOR UPDATE OF d SKIP LOCKED
    ), their_runs AS (
      SELECT r.id FROM edgecron.run AS r WHERE r.job_id IN (SELECT id FROM doomed) FOR UPDATE OF r SKIP LOCKED
    ), deleted AS (
      DELETE FROM edgecron.job AS j WHERE j.id IN (SELECT id FROM doomed)
         AND NOT EXISTS (SELECT 1 FROM edgecron.run AS r WHERE r.job_id = j.id AND r.id NOT IN (SELECT id FROM their_runs))
      RETURNING j.id
    )
    SELECT count(*) AS deleted FROM deleted`);
  return Number(result.rows[0]?.deleted ?? 0);
}

/**
 * The id at or below which runs are beyond the newest `maxRuns`, or null when there are no
 * more than `maxRuns` runs. Ids are unique, so when max(id) − min(id) < maxRuns (two index
 * probes) there cannot be more; only otherwise is the index walked `maxRuns` entries deep
 * (about 1 M index entries: tens of milliseconds), which the caller does rarely.
 */
export async function runCountCutoff(db: Db, maxRuns: number): Promise<number | null> {
  const result = await db.execute<{ cutoff: unknown }>(sql`
    SELECT CASE WHEN (SELECT max(id) FROM edgecron.run) - (SELECT min(id) FROM edgecron.run) < ${maxRuns} THEN NULL
                ELSE (SELECT id FROM edgecron.run ORDER BY id DESC OFFSET ${maxRuns} LIMIT 1) END AS cutoff`);
  return toNullableNumber(result.rows[0]?.cutoff);
}

/** Deletes up to `batch` finished runs with an id at or below `cutoff`, oldest first. */
export async function purgeRunsUpTo(db: Db, cutoff: number, batch: number): Promise<number> {
  const result = await db.execute(sql`
    DELETE FROM edgecron.run WHERE id IN (
      SELECT r.id FROM edgecron.run AS r
       WHERE r.id <= ${cutoff} AND r.finished_at IS NOT NULL AND NOT r.needs_finish AND NOT ${neededBy('r.job_id')}
       ORDER BY r.id LIMIT ${batch}
         FOR UPDATE OF r SKIP LOCKED)`);
  return result.rowCount ?? 0;
}

/** Deletes the heartbeats of masters that have not ticked for `olderThanMs` (they are gone). */
export async function purgeHeartbeats(db: Db, olderThanMs: number): Promise<number> {
  const result = await db.execute(sql`
    DELETE FROM edgecron.master_heartbeat WHERE master_id IN (
      SELECT master_id FROM edgecron.master_heartbeat
       WHERE last_tick_at < now() - ${olderThanMs} * interval '1 millisecond'
         FOR UPDATE SKIP LOCKED)`);
  return result.rowCount ?? 0;
}
