import { ne, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { job } from '../schema';

export interface UnsyncedJob {
  id: number;
  revision: number;
  schedule: string | null;
  timezone: string | null;
  enabled: boolean;
  state: 'active' | 'broken' | 'done';
  lastScheduledFor: Date | null;
}

/** Jobs inserted or changed (by SQL or API) whose timing the master has not computed yet. */
export async function loadUnsyncedJobs(db: Db, limit: number): Promise<UnsyncedJob[]> {
  return db
    .select({
      id: job.id,
      revision: job.revision,
      schedule: job.schedule,
      timezone: job.timezone,
      enabled: job.enabled,
      state: job.state,
      lastScheduledFor: job.lastScheduledFor,
    })
    .from(job)
    .where(ne(job.revision, job.syncedRevision))
    .orderBy(job.id)
    .limit(limit);
}

export type JobTiming =
  | { id: number; revision: number; nextRunAt: Date | null }
  | { id: number; revision: number; broken: string };

/**
 * Stores the computed timing of each job in one statement, unless the row changed again since
 * it was read (its revision moved): then it stays unsynced and the next tick computes it afresh.
 */
export async function saveJobTimings(db: Db, timings: JobTiming[]): Promise<void> {
  if (timings.length === 0) return;
  const rows = timings.map((t) => ({
    id: t.id,
    revision: t.revision,
    next_run_at: 'broken' in t ? null : (t.nextRunAt?.toISOString() ?? null),
    broken: 'broken' in t ? t.broken : null,
  }));
  await db.execute(sql`
    UPDATE edgecron.job AS j
       SET next_run_at = u.next_run_at,
           state = CASE WHEN u.broken IS NULL THEN j.state ELSE 'broken' END,
           broken_reason = u.broken,
           synced_revision = j.revision
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
           AS u(id bigint, revision bigint, next_run_at timestamptz, broken text)
     WHERE j.id = u.id AND j.revision = u.revision`);
}
