import { sql } from 'drizzle-orm';
import type { JobState } from '../schema';
import type { Db } from '../client';
import type { ChangedJob, JobTiming } from '../../master/timing';
import { toDate, toNullableDate, toNumber, toNumberArray } from './rows';

/** Jobs inserted or changed (by SQL or the API) whose timing the master has not computed yet. */
export async function loadChangedJobs(db: Db, limit: number): Promise<ChangedJob[]> {
  const result = await db.execute<Record<string, unknown>>(sql`
    SELECT id, revision, kind, schedule, rule, dates, run_after, timezone, day_match, start_at, end_at,
           enabled, state, depends_on, anchor_at, last_finished_at, next_run_at, last_scheduled_for
      FROM edgecron.job
     WHERE needs_sync
     ORDER BY id
     LIMIT ${limit}`);
  return result.rows.map((r) => ({
    id: toNumber(r.id),
    revision: toNumber(r.revision),
    kind: r.kind as ChangedJob['kind'],
    schedule: (r.schedule as string | null) ?? null,
    rule: r.rule ?? null,
    dates: (r.dates as Array<Date | string> | null) ?? null,
    runAfter: toNullableDate(r.run_after),
    timezone: (r.timezone as string | null) ?? null,
    dayMatch: (r.day_match as 'any' | 'all' | null) ?? null,
    startAt: toNullableDate(r.start_at),
    endAt: toNullableDate(r.end_at),
    enabled: r.enabled === true,
    state: r.state as JobState,
    dependsOn: toNumberArray(r.depends_on),
    anchorAt: toDate(r.anchor_at),
    lastFinishedAt: toNullableDate(r.last_finished_at),
    nextRunAt: toNullableDate(r.next_run_at),
    lastScheduledFor: toNullableDate(r.last_scheduled_for),
  }));
}

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
    state: 'broken' in t ? 'broken' : t.state,
    broken: 'broken' in t ? t.broken : null,
  }));
  await db.execute(sql`
    UPDATE edgecron.job AS j
       SET next_run_at = u.next_run_at,
           state = u.state,
           broken_reason = CASE WHEN u.state = 'broken' THEN coalesce(u.broken, j.broken_reason) END,
           synced_revision = j.revision
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
           AS u(id bigint, revision bigint, next_run_at timestamptz, state text, broken text)
     WHERE j.id = u.id AND j.revision = u.revision`);
}
