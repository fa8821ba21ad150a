// The API's reads of edgecron.run, filtered by the owner of the run's job (defence in depth
// beside the database's row security).
import { and, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import { job, run, type Run, type RunStatus } from '../../db/schema';
import type { Tx } from '../context';

export interface RunFilter {
  /** Only runs of jobs this role owns; undefined for every role's (admin). */
  owner: string | undefined;
  jobId?: number;
  statuses?: RunStatus[];
  /** scheduled_for ≥ since */
  since?: Date;
  /** scheduled_for < until */
  until?: Date;
  /** Only runs with a smaller id (the cursor). */
  beforeId?: number;
  limit: number;
}

/** Runs matching `filter`, newest (largest id) first. */
export async function listRuns(tx: Tx, filter: RunFilter): Promise<Run[]> {
  const conditions: SQL[] = [];
  if (filter.owner !== undefined) conditions.push(eq(job.owner, filter.owner));
  if (filter.jobId !== undefined) conditions.push(eq(run.jobId, filter.jobId));
  if (filter.statuses !== undefined) conditions.push(inArray(run.status, filter.statuses));
  if (filter.since !== undefined) conditions.push(gte(run.scheduledFor, filter.since));
  if (filter.until !== undefined) conditions.push(lt(run.scheduledFor, filter.until));
  if (filter.beforeId !== undefined) conditions.push(lt(run.id, filter.beforeId));
  const rows = await tx
    .select({ run })
    .from(run)
    .innerJoin(job, eq(job.id, run.jobId))
    .where(and(...conditions))
    .orderBy(desc(run.id))
    .limit(filter.limit);
  return rows.map((row) => row.run);
}

/** The run with this id if its job belongs to `owner` (undefined: any role). */
export async function findRun(tx: Tx, id: number, owner: string | undefined): Promise<Run | undefined> {
  const conditions = [eq(run.id, id), ...(owner === undefined ? [] : [eq(job.owner, owner)])];
  const [row] = await tx.select({ run }).from(run).innerJoin(job, eq(job.id, run.jobId)).where(and(...conditions));
  return row?.run;
}
