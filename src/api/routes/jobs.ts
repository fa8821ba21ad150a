// /v1/databases/{db}/jobs: list, create, read, change and delete jobs.
import { createRoute, z } from '@hono/zod-openapi';
import { assertMayActFor, listedOwner, withRole } from '../context';
import { fail } from '../errors';
import { jobJson } from '../job-json';
import { jobDetail, jobWithFires, requireJob, reread } from '../job-view';
import { wakeMaster } from '../master';
import { decodeCursor, page } from '../pagination';
import { actOnJob, alterJob, createJob } from '../queries/job-functions';
import { listJobs, summarizeRuns } from '../queries/jobs';
import { BEARER, newRouter } from '../router';
import { checkSchedule } from '../schedule-check';
import { DbParams, IdParams, dataErrors, errorResponses } from '../schemas/common';
import { JobDetail, JobList, JobListQuery, JobWithFires } from '../schemas/job';
import { CreateJobBody, PatchJobBody } from '../schemas/job-keys';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const body = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

export const jobRoutes = newRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/databases/{db}/jobs',
      tags: ['Jobs'],
      summary: 'List jobs',
      description: "The token's role's jobs (an admin token: every role's, or `owner`'s), by id, a page at a time.",
      security: BEARER,
      request: { params: DbParams, query: JobListQuery },
      responses: { 200: json(JobList, 'A page of jobs.'), ...dataErrors },
    }),
    async (c) => {
      const { cursor, limit, owner: requested, ...filter } = c.req.valid('query');
      const afterId = cursor === undefined ? undefined : decodeCursor(cursor);
      const owner = listedOwner(c, requested);
      if (owner === null) return c.json({ jobs: [], next_cursor: null }, 200);
      const result = await withRole(c, async (tx) => {
        const rows = await listJobs(tx, { ...filter, owner, afterId, limit: limit + 1 });
        const { items, next_cursor } = page(rows, limit);
        const summaries = await summarizeRuns(tx, items.map((row) => row.id));
        return { jobs: items.map((row) => jobJson(row, summaries.get(row.id) ?? { running: false, queued: false, lastStatus: null })), next_cursor };
      });
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/databases/{db}/jobs',
      tags: ['Jobs'],
      summary: 'Create a recurring job',
      description:
        "pgpro_scheduler's `create_job` keys and edgecron's own (docs/job-keys.md): exactly one of `schedule`, `cron`, `rule`, `date`, `dates` and one of `command`, `commands`. The job is owned by the token's role and runs as it (or `run_as`). Answers the job with its next five fire times.",
      security: BEARER,
      request: { params: DbParams, body: body(CreateJobBody) },
      responses: { 201: json(JobWithFires, 'The job, with `next_fires`.'), ...dataErrors, 403: errorResponses[403], 409: errorResponses[409], 413: errorResponses[413], 415: errorResponses[415] },
    }),
    async (c) => {
      const keys = c.req.valid('json');
      assertMayActFor(c, keys.owner);
      checkSchedule(keys, keys.timezone ?? 'UTC');
      const job = await withRole(c, async (tx, login) => {
        checkSchedule(keys, login.timezone);
        const id = await createJob(tx, keys);
        return jobWithFires(tx, await reread(c, tx, id), login);
      });
      wakeMaster(c);
      return c.json(job, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/databases/{db}/jobs/{id}',
      tags: ['Jobs'],
      summary: 'Read a job',
      description: 'The job, its `status`, its next five fire times and its latest runs. Another role\'s job is a 404.',
      security: BEARER,
      request: { params: IdParams },
      responses: { 200: json(JobDetail, 'The job with `next_fires` and `runs`.'), ...dataErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await withRole(c, async (tx, login) => jobDetail(tx, await requireJob(c, tx, id), login));
      return c.json(job, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/v1/databases/{db}/jobs/{id}',
      tags: ['Jobs'],
      summary: 'Change a job',
      description: 'Changes the keys given (any key of create or submit); `null` resets a key to its default. A new schedule key replaces the old one, likewise `command`/`commands`/`query`.',
      security: BEARER,
      request: { params: IdParams, body: body(PatchJobBody) },
      responses: { 200: json(JobWithFires, 'The changed job.'), ...dataErrors, 403: errorResponses[403], 409: errorResponses[409], 413: errorResponses[413], 415: errorResponses[415], 422: errorResponses[422] },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const keys = c.req.valid('json');
      if (keys.depends_on != null && keys.run_after != null) {
        fail('unprocessable', 'run_after: conflict in start time: a job with depends_on starts when its dependencies have succeeded, so it cannot also have run_after');
      }
      assertMayActFor(c, keys.owner);
      const job = await withRole(c, async (tx, login) => {
        const current = await requireJob(c, tx, id);
        checkSchedule(keys, login.timezone, current);
        await alterJob(tx, id, keys);
        return jobWithFires(tx, await reread(c, tx, id), login);
      });
      wakeMaster(c);
      return c.json(job, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/v1/databases/{db}/jobs/{id}',
      tags: ['Jobs'],
      summary: 'Delete a job',
      description: 'Deletes the job and its runs (`edgecron.unschedule`).',
      security: BEARER,
      request: { params: IdParams },
      responses: { 204: { description: 'Deleted.' }, ...dataErrors, 403: errorResponses[403] },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await withRole(c, async (tx) => {
        await requireJob(c, tx, id);
        await actOnJob(tx, 'unschedule', id);
      });
      wakeMaster(c);
      return c.body(null, 204);
    },
  );
