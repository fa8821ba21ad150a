// A job as a response: its row, what its runs say about it, its next fire times and (in
// detail) its latest runs. Shared by every route that answers with a job.
import type { Context } from 'hono';
import type { Job } from '../db/schema';
import type { AppEnv, LoginReads, Tx } from './context';
import { fail } from './errors';
import { jobJson, runJson } from './job-json';
import { findJob, summarizeRuns } from './queries/jobs';
import { listRuns } from './queries/runs';
import { nextFires } from './schedule-check';
import { visibleOwner } from './context';
import type { JobJson } from './schemas/job';
import type { RunJson } from './schemas/run';

export const DETAIL_RUNS = 20;

export type JobWithFiresJson = JobJson & { next_fires: string[] };
export type JobDetailJson = JobWithFiresJson & { runs: RunJson[] };

/** The job `id` if this token may see it; a 404 that does not say whether it exists otherwise. */
export async function requireJob(c: Context<AppEnv>, tx: Tx, id: number): Promise<Job> {
  const row = await findJob(tx, id, visibleOwner(c));
  return row ?? fail('not_found', `job ${id} does not exist or is not visible to this token`);
}

export async function jobWithFires(tx: Tx, row: Job, login: LoginReads): Promise<JobWithFiresJson> {
  const summary = (await summarizeRuns(tx, [row.id])).get(row.id);
  return { ...jobJson(row, summary ?? { running: false, queued: false, lastStatus: null }), next_fires: nextFires(row, login.timezone, new Date()) };
}

export async function jobDetail(tx: Tx, row: Job, login: LoginReads): Promise<JobDetailJson> {
  const runs = await listRuns(tx, { owner: undefined, jobId: row.id, limit: DETAIL_RUNS });
  return { ...(await jobWithFires(tx, row, login)), runs: runs.map(runJson) };
}

/** Re-reads a job this request has just written (it is visible: the request acts as its owner or an admin). */
export async function reread(c: Context<AppEnv>, tx: Tx, id: number): Promise<Job> {
  const row = await findJob(tx, id, undefined);
  if (!row) throw new Error(`job ${id} written by request ${c.get('requestId')} cannot be read back`);
  return row;
}
