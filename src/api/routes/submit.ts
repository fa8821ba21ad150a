// POST /v1/databases/{db}/submit: a one-time job (pgpro_scheduler's submit_job), started as soon
// as the master is woken, after `run_after`, or when the jobs in `depends_on` have succeeded.
import { createRoute } from '@hono/zod-openapi';
import { assertMayActFor, withRole } from '../context';
import { fail } from '../errors';
import { jobStatus } from '../job-json';
import { reread } from '../job-view';
import { wakeMaster } from '../master';
import { submitJob } from '../queries/job-functions';
import { summarizeRuns } from '../queries/jobs';
import { BEARER, newRouter } from '../router';
import { DbParams, dataErrors, errorResponses } from '../schemas/common';
import { SubmitBody, SubmitResponse } from '../schemas/submit';

export const submitRoutes = newRouter().openapi(
  createRoute({
    method: 'post',
    path: '/v1/databases/{db}/submit',
    tags: ['One-time jobs'],
    summary: 'Submit a one-time job',
    description:
      "pgpro_scheduler's `submit_job` parameters. `params` are bound as `$1..$n`. The job runs as the token's role (or `run_as`); follow it with `GET /v1/databases/{db}/jobs/{id}` until `finished`.",
    security: BEARER,
    request: { params: DbParams, body: { required: true, content: { 'application/json': { schema: SubmitBody } } } },
    responses: {
      201: { description: 'Submitted.', content: { 'application/json': { schema: SubmitResponse } } },
      ...dataErrors,
      403: errorResponses[403],
      409: errorResponses[409],
      413: errorResponses[413],
      415: errorResponses[415],
      422: errorResponses[422],
    },
  }),
  async (c) => {
    const keys = c.req.valid('json');
    if (keys.depends_on != null && keys.run_after != null) {
      fail('unprocessable', 'run_after: conflict in start time: a job with depends_on starts when its dependencies have succeeded, so it cannot also have run_after');
    }
    assertMayActFor(c, keys.owner);
    const submitted = await withRole(c, async (tx) => {
      const id = await submitJob(tx, keys);
      const row = await reread(c, tx, id);
      const summary = (await summarizeRuns(tx, [id])).get(id);
      return { id, status: jobStatus(row, summary ?? { running: false, queued: false, lastStatus: null }) };
    });
    wakeMaster(c);
    return c.json(submitted, 201);
  },
);
