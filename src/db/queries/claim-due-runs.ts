import { sql } from 'drizzle-orm';
import type { Db } from '../client';

export interface DueJob {
  id: number;
  owner: string;
  schedule: string | null;
  timezone: string | null;
  command: string;
  nextRunAt: Date;
}

export interface ClaimedRun {
  runId: number;
  jobId: number;
  owner: string;
  command: string;
  scheduledFor: Date;
  attempt: number;
}

/** What the caller decided for one due job: the slot to run now and the job's next due time. */
export interface ClaimDecision {
  jobId: number;
  slot: Date;
  nextRunAt: Date | null;
}

/**
 * Claims due slots exactly once, whatever races: the jobs are locked with FOR UPDATE SKIP
 * LOCKED (a second master skips them rather than waiting), each slot's run row is inserted
 * with ON CONFLICT DO NOTHING on (job_id, scheduled_for, attempt), and `next_run_at` moves on
 * in the same transaction. A master that claimed a slot and died leaves a queued run row,
 * never a second claim. `decide` is pure: it maps each due job to its slot and next due time.
 */
export async function claimDueRuns(
  db: Db,
  options: { horizon: Date; limit: number; decide: (job: DueJob) => ClaimDecision },
): Promise<ClaimedRun[]> {
  return db.transaction(async (tx) => {
    const due = await tx.execute<{
      id: string | number;
      owner: string;
      schedule: string | null;
      timezone: string | null;
      command: string;
      next_run_at: string | Date;
    }>(sql`
      SELECT id, owner, schedule, timezone, command, next_run_at
        FROM edgecron.job
       WHERE next_run_at <= ${options.horizon.toISOString()}::timestamptz
         AND enabled AND state = 'active' AND revision = synced_revision
       ORDER BY next_run_at
       LIMIT ${options.limit}
         FOR UPDATE SKIP LOCKED`);
    if (due.rows.length === 0) return [];

    const jobs = new Map<number, DueJob>();
    for (const row of due.rows) {
      const dueJob: DueJob = {
        id: Number(row.id),
        owner: row.owner,
        schedule: row.schedule,
        timezone: row.timezone,
        command: row.command,
        nextRunAt: new Date(row.next_run_at),
      };
      jobs.set(dueJob.id, dueJob);
    }
    const decisions = [...jobs.values()].map(options.decide);
    const payload = JSON.stringify(
      decisions.map((d) => ({
        job_id: d.jobId,
        slot: d.slot.toISOString(),
        next_run_at: d.nextRunAt?.toISOString() ?? null,
      })),
    );

    const inserted = await tx.execute<{ id: string | number; job_id: string | number; scheduled_for: string | Date; attempt: number }>(sql`
      INSERT INTO edgecron.run (job_id, owner, scheduled_for, attempt, status)
      SELECT d.job_id, j.owner, d.slot, 1, 'queued'
        FROM jsonb_to_recordset(${payload}::jsonb) AS d(job_id bigint, slot timestamptz, next_run_at timestamptz)
        JOIN edgecron.job AS j ON j.id = d.job_id
      ON CONFLICT (job_id, scheduled_for, attempt) DO NOTHING
      RETURNING id, job_id, scheduled_for, attempt`);

    await tx.execute(sql`
      UPDATE edgecron.job AS j
         SET next_run_at = d.next_run_at, last_scheduled_for = d.slot
        FROM jsonb_to_recordset(${payload}::jsonb) AS d(job_id bigint, slot timestamptz, next_run_at timestamptz)
       WHERE j.id = d.job_id`);

    return inserted.rows.map((row) => {
      const dueJob = jobs.get(Number(row.job_id));
      if (!dueJob) throw new Error(`claimed run for job ${row.job_id} that was not locked`);
      return {
        runId: Number(row.id),
        jobId: dueJob.id,
        owner: dueJob.owner,
        command: dueJob.command,
        scheduledFor: new Date(row.scheduled_for),
        attempt: row.attempt,
      };
    });
  });
}
