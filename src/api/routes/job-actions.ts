// POST /v1/databases/{db}/jobs/{id}/run | enable | disable | cancel: what an operator does to a job.
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { withRole, type AppEnv } from '../context';
import { jobDetail, jobWithFires, requireJob, reread } from '../job-view';
import { runJson } from '../job-json';
import { wakeMaster } from '../master';
import { actOnJob, runJob } from '../queries/job-functions';
import { findRun } from '../queries/runs';
import { BEARER, newRouter } from '../router';
import { IdParams, dataErrors, errorResponses } from '../schemas/common';
import { JobDetail, JobWithFires } from '../schemas/job';
import { Run } from '../schemas/run';

const json = (schema: typeof JobWithFires | typeof JobDetail | typeof Run, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const action = (path: string, summary: string, description: string) => ({
  method: 'post' as const,
  path: `/v1/databases/{db}/jobs/{id}/${path}`,
  tags: ['Jobs'],
  summary,
  description,
  security: BEARER,
  request: { params: IdParams },
});

async function toggle(c: Context<AppEnv>, id: number, enable: boolean) {
  return withRole(c, async (tx, login) => {
    await requireJob(c, tx, id);
    await actOnJob(tx, enable ? 'enable_job' : 'disable_job', id);
    return jobWithFires(tx, await reread(c, tx, id), login);
  });
}

export const jobActionRoutes = newRouter()
  .openapi(
    createRoute({
      ...action('run', 'Run a job now', 'Queues a run of the job now (`reason: "run now"`), beside its schedule, and wakes the master so it starts at once.'),
      responses: { 201: json(Run, 'The queued run.'), ...dataErrors, 403: errorResponses[403] },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const run = await withRole(c, async (tx) => {
        await requireJob(c, tx, id);
        const runId = await runJob(tx, id);
        const row = await findRun(tx, runId, undefined);
        if (!row) throw new Error(`run ${runId} queued by request ${c.get('requestId')} cannot be read back`);
        return runJson(row);
      });
      wakeMaster(c);
      return c.json(run, 201);
    },
  )
  .openapi(
    createRoute({
      ...action('enable', 'Enable a job', 'The job runs on its schedule again (a broken job becomes active).'),
      responses: { 200: json(JobWithFires, 'The job.'), ...dataErrors, 403: errorResponses[403] },
    }),
    async (c) => {
      const job = await toggle(c, c.req.valid('param').id, true);
      wakeMaster(c);
      return c.json(job, 200);
    },
  )
  .openapi(
    createRoute({
      ...action('disable', 'Disable a job', 'The job stops firing; runs already started finish.'),
      responses: { 200: json(JobWithFires, 'The job.'), ...dataErrors, 403: errorResponses[403] },
    }),
    async (c) => {
      const job = await toggle(c, c.req.valid('param').id, false);
      wakeMaster(c);
      return c.json(job, 200);
    },
  )
  .openapi(
    createRoute({
      ...action(
        'cancel',
        'Cancel a job\'s runs',
        'Queued runs become `canceled`; running runs are canceled by the master (their backend is cancelled). A one-time job that has not started is canceled for good.',
      ),
      responses: { 200: json(JobDetail, 'The job and its latest runs.'), ...dataErrors, 403: errorResponses[403], 409: errorResponses[409] },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await withRole(c, async (tx, login) => {
        await requireJob(c, tx, id);
        await actOnJob(tx, 'cancel_job', id);
        return jobDetail(tx, await reread(c, tx, id), login);
      });
      wakeMaster(c);
      return c.json(job, 200);
    },
  );
