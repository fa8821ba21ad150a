// The API's reads of edgecron.job. Every query filters by owner itself (defence in depth: row
// security in the database applies as well, since the transaction acts as the token's role).
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { job, type Job, type JobKind, type JobState, type RunStatus } from '../../db/schema';
import type { Tx } from '../context';

export interface JobFilter {
  /** Only this role's jobs; undefined for every role's (admin). */
  owner: string | undefined;
  name?: string;
  kind?: JobKind;
  state?: JobState;
  enabled?: boolean;
  queue?: string;
  /** Only jobs with a larger id (the cursor). */
  afterId?: number;
  limit: number;
}

/** Jobs matching `filter`, by id ascending. */
export async function listJobs(tx: Tx, filter: JobFilter): Promise<Job[]> {
  const conditions: SQL[] = [];
  if (filter.owner !== undefined) conditions.push(eq(job.owner, filter.owner));
  if (filter.name !== undefined) conditions.push(eq(job.name, filter.name));
  if (filter.kind !== undefined) conditions.push(eq(job.kind, filter.kind));
  if (filter.state !== undefined) conditions.push(eq(job.state, filter.state));
  if (filter.enabled !== undefined) conditions.push(eq(job.enabled, filter.enabled));
  if (filter.queue !== undefined) conditions.push(eq(job.queue, filter.queue));
  if (filter.afterId !== undefined) conditions.push(gt(job.id, filter.afterId));
  return tx.select().from(job).where(and(...conditions)).orderBy(asc(job.id)).limit(filter.limit);
}

/** The job with this id if `owner` (undefined: any role) owns it. */
export async function findJob(tx: Tx, id: number, owner: string | undefined): Promise<Job | undefined> {
  const conditions = [eq(job.id, id), ...(owner === undefined ? [] : [eq(job.owner, owner)])];
  const [row] = await tx.select().from(job).where(and(...conditions));
  return row;
}

/** The job `owner` keeps under `name`, locked until the transaction ends (upsert by name). */
export async function findJobByName(tx: Tx, owner: string, name: string): Promise<Job | undefined> {
  const [row] = await tx
    .select()
    .from(job)
    .where(and(eq(job.owner, owner), eq(job.name, name)))
    .for('update');
  return row;
}

/** What a job's runs say about it now: is one running or queued, and how did the last one end. */
export interface RunSummary {
  running: boolean;
  queued: boolean;
  lastStatus: RunStatus | null;
}

/**
 * Run summaries of the given jobs: unfinished runs through run_unfinished_job_idx, and one probe
 * of run_job_idx per job for the last run.
 */
export async function summarizeRuns(tx: Tx, jobIds: number[]): Promise<Map<number, RunSummary>> {
  const summaries = new Map<number, RunSummary>(jobIds.map((id) => [id, { running: false, queued: false, lastStatus: null }]));
  if (jobIds.length === 0) return summaries;
  const ids = `{${jobIds.join(',')}}`;
  const rows = await tx.execute<{ job_id: string; last: boolean; status: RunStatus }>(sql`
    SELECT DISTINCT job_id, false AS last, status FROM edgecron.run
     WHERE status IN ('queued', 'running') AND job_id = ANY(${ids}::bigint[])
    UNION ALL
    SELECT j.id, true, r.status
      FROM unnest(${ids}::bigint[]) AS j(id)
      CROSS JOIN LATERAL (SELECT status FROM edgecron.run WHERE job_id = j.id ORDER BY id DESC LIMIT 1) AS r`);
  for (const row of rows.rows) {
    const summary = summaries.get(Number(row.job_id));
    if (!summary) continue;
    if (row.last) summary.lastStatus = row.status;
    else if (row.status === 'running') summary.running = true;
    else if (row.status === 'queued') summary.queued = true;
  }
  return summaries;
}
