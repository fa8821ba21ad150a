import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { job, run } from '../schema';

export interface RunFilter {
  jobId?: number;
  /** Only runs of jobs owned by this role; undefined for every role (admin). */
  owner?: string;
  limit: number;
}

/** Runs, newest first. */
export async function listRuns(db: Db, filter: RunFilter) {
  const conditions: SQL[] = [];
  if (filter.jobId !== undefined) conditions.push(eq(run.jobId, filter.jobId));
  if (filter.owner !== undefined) conditions.push(eq(job.owner, filter.owner));
  return db
    .select({
      id: run.id,
      job_id: run.jobId,
      scheduled_for: run.scheduledFor,
      attempt: run.attempt,
      status: run.status,
      claimed_at: run.claimedAt,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      backend_pid: run.backendPid,
      result: run.result,
      error: run.error,
    })
    .from(run)
    .innerJoin(job, eq(job.id, run.jobId))
    .where(and(...conditions))
    .orderBy(desc(run.id))
    .limit(filter.limit);
}
