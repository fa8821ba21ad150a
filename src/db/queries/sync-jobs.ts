import { sql } from 'drizzle-orm';
import type { JobState } from '../schema';
import type { Db } from '../client';
import type { ChangedJob, JobTiming } from '../../master/timing';
import { brokenReason, isoFor, scheduleColumns, toDate, toNullableDate, toNumber, toNumberArray } from './rows';

export interface SyncOptions {
  limit: number;
  /** The job's timing (pure): timingForChangedJob. */
  compute: (job: ChangedJob) => JobTiming;
  /** Told of each job broken because its row could not be read or its timing computed. */
  onBroken?: (jobId: number, reason: string) => void;
}

/**
 * Computes and stores the timing of up to `limit` jobs inserted or changed (by SQL or the API)
 * since the master last looked, in one transaction. The rows are locked FOR UPDATE SKIP
 * LOCKED: one that a user holds locked (any member of edgecron_user can SELECT … FOR UPDATE
 * her own job and keep the transaction open) stays unsynced for a later tick instead of
 * making the master wait. A job whose row holds a value the scheduler cannot use, or whose
 * timing throws, is broken with the reason; the others are stored. Returns how many jobs it
 * looked at (`limit`: there may be more).
 */
export async function syncChangedJobs(db: Db, options: SyncOptions): Promise<number> {
  return db.transaction(async (tx) => {
    const result = await tx.execute<Record<string, unknown>>(sql`
      SELECT id, revision, kind, schedule, rule, dates, run_after, timezone, day_match, start_at, end_at,
             enabled, state, depends_on, anchor_at, last_finished_at, next_run_at, last_scheduled_for
        FROM edgecron.job
       WHERE needs_sync
       ORDER BY id
       LIMIT ${options.limit}
         FOR UPDATE SKIP LOCKED`);
    const rows = result.rows.map((r) => {
      const id = toNumber(r.id);
      const revision = toNumber(r.revision);
      try {
        return timingRow(options.compute(toChangedJob(r)));
      } catch (e) {
        const reason = brokenReason(e, 'schedule');
        options.onBroken?.(id, reason);
        return timingRow({ id, revision, broken: reason });
      }
    });
    if (rows.length > 0) {
      await tx.execute(sql`
        UPDATE edgecron.job AS j
           SET next_run_at = u.next_run_at,
               state = u.state,
               broken_reason = CASE WHEN u.state = 'broken' THEN coalesce(u.broken, j.broken_reason) END,
               synced_revision = j.revision
          FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
               AS u(id bigint, revision bigint, next_run_at timestamptz, state text, broken text)
         WHERE j.id = u.id AND j.revision = u.revision`);
    }
    return result.rows.length;
  });
}

function toChangedJob(r: Record<string, unknown>): ChangedJob {
  return {
    id: toNumber(r.id),
    revision: toNumber(r.revision),
    kind: r.kind as ChangedJob['kind'],
    ...scheduleColumns(r),
    runAfter: toNullableDate(r.run_after, 'run_after'),
    enabled: r.enabled === true,
    state: r.state as JobState,
    dependsOn: toNumberArray(r.depends_on),
    anchorAt: toDate(r.anchor_at, 'anchor_at'),
    lastFinishedAt: toNullableDate(r.last_finished_at, 'last_finished_at'),
    nextRunAt: toNullableDate(r.next_run_at, 'next_run_at'),
    lastScheduledFor: toNullableDate(r.last_scheduled_for, 'last_scheduled_for'),
  };
}

/** The UPDATE's row for one timing; throws (for that job alone) on a time PostgreSQL cannot take. */
function timingRow(t: JobTiming) {
  const broken = 'broken' in t;
  return {
    id: t.id,
    revision: t.revision,
    next_run_at: broken || t.nextRunAt === null ? null : isoFor(t.nextRunAt, 'next_run_at'),
    state: broken ? 'broken' : t.state,
    broken: broken ? t.broken : null,
  };
}
