// PUT /v1/databases/{db}/jobs/by-name/{name}: the job as code declares it. Creates the job, or
// makes the existing one (same owner and name) exactly what the body says: keys left out return
// to their defaults, so deleting a key from the code undoes it. Repeating a PUT changes nothing.
import { createRoute, z } from '@hono/zod-openapi';
import { assertMayActFor, withRole, type AppEnv } from '../context';
import { sqlstateOf } from '../database-errors';
import { ApiFailure, fail } from '../errors';
import { jobWithFires, reread } from '../job-view';
import { wakeMaster } from '../master';
import { alterJob, createJob } from '../queries/job-functions';
import { findJobByName } from '../queries/jobs';
import { BEARER, newRouter } from '../router';
import { checkSchedule } from '../schedule-check';
import { DatabaseParam, Name, dataErrors, errorResponses } from '../schemas/common';
import { JobWithFires } from '../schemas/job';
import { CreateJobBody, type JobKeys } from '../schemas/job-keys';
import type { Context } from 'hono';

/**
 * Keys a replaced job returns to their defaults when the body leaves them out: edgecron.alter_job
 * resets a key given as null to its column default, so the defaults live in one place, the
 * schema. The schedule and command keys are always given (a new one replaces the old), `owner`
 * and `name` come from the request.
 */
const RESETTABLE = [
  'use_same_transaction', 'run_as', 'start_date', 'end_date', 'max_wait', 'max_run_time', 'max_instances', 'fallback',
  'next_time_statement', 'interval_expression', 'comments', 'timezone', 'day_match', 'overlap', 'queue_limit', 'misfire',
  'misfire_cap', 'queue', 'priority', 'enabled',
] as const;
/** Where the body may name a column by its other name, the default is not sent under this one. */
const OTHER_NAME: Partial<Record<(typeof RESETTABLE)[number], keyof JobKeys>> = { max_wait: 'last_start_available', fallback: 'onrollback' };
const RETRY_RESET = { max_attempts: null, backoff: null, backoff_max: null, broken_after: null };

/** The keys that make an existing job exactly `keys`: every key absent from them reset (null). */
export function replacementKeys(keys: JobKeys): Record<string, unknown> {
  const full: Record<string, unknown> = {};
  for (const key of RESETTABLE) {
    const other = OTHER_NAME[key];
    if (keys[key] === undefined && (other === undefined || keys[other] === undefined)) full[key] = null;
  }
  return { ...full, ...keys, retry: { ...RETRY_RESET, ...keys.retry } };
}

const NameParams = z.object({
  db: DatabaseParam,
  name: Name.openapi({ param: { name: 'name', in: 'path' }, example: 'nightly-vacuum' }),
});

async function upsert(c: Context<AppEnv>, owner: string, name: string, keys: JobKeys) {
  return withRole(c, async (tx, login) => {
    const current = await findJobByName(tx, owner, name);
    if (current) {
      checkSchedule(keys, login.timezone);
      await alterJob(tx, current.id, { ...replacementKeys(keys), name });
      return { created: false, job: await jobWithFires(tx, await reread(c, tx, current.id), login) };
    }
    checkSchedule(keys, login.timezone);
    const id = await createJob(tx, { ...keys, name });
    return { created: true, job: await jobWithFires(tx, await reread(c, tx, id), login) };
  });
}

export const jobByNameRoutes = newRouter().openapi(
  createRoute({
    method: 'put',
    path: '/v1/databases/{db}/jobs/by-name/{name}',
    tags: ['Jobs'],
    summary: 'Create or replace a job by name',
    description:
      'Idempotent upsert by owner and name, for jobs kept in code: the body is the whole definition (the keys of create; `name` comes from the path). An existing job keeps its id and runs; keys left out return to their defaults. 201 when created, 200 when replaced.',
    security: BEARER,
    request: { params: NameParams, body: { required: true, content: { 'application/json': { schema: CreateJobBody } } } },
    responses: {
      200: { description: 'Replaced.', content: { 'application/json': { schema: JobWithFires } } },
      201: { description: 'Created.', content: { 'application/json': { schema: JobWithFires } } },
      ...dataErrors,
      403: errorResponses[403],
      409: errorResponses[409],
      413: errorResponses[413],
      415: errorResponses[415],
    },
  }),
  async (c) => {
    const { name } = c.req.valid('param');
    const keys = c.req.valid('json');
    if (keys.name !== undefined && keys.name !== name) {
      fail('invalid_request', `name: ${JSON.stringify(keys.name)} differs from the name in the path (${JSON.stringify(name)}); leave it out`);
    }
    assertMayActFor(c, keys.owner);
    checkSchedule(keys, keys.timezone ?? 'UTC');
    const owner = keys.owner ?? c.get('grant').role;
    let result;
    try {
      result = await upsert(c, owner, name, keys);
    } catch (e) {
      // Two PUTs of a new name at once: the loser's insert hits the unique key; it now finds the job.
      if (!(e instanceof ApiFailure && sqlstateOf(e.error) === '23505')) throw e;
      result = await upsert(c, owner, name, keys);
    }
    wakeMaster(c);
    return result.created ? c.json(result.job, 201) : c.json(result.job, 200);
  },
);
