// /v1/databases/{db}/runs: the run log, newest first.
import { createRoute } from '@hono/zod-openapi';
import { listedOwner, visibleOwner, withRole } from '../context';
import { fail } from '../errors';
import { runJson } from '../job-json';
import { decodeCursor, page } from '../pagination';
import { findRun, listRuns } from '../queries/runs';
import { BEARER, newRouter } from '../router';
import { DbParams, IdParams, dataErrors } from '../schemas/common';
import { Run, RunList, RunListQuery } from '../schemas/run';

export const runRoutes = newRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/databases/{db}/runs',
      tags: ['Runs'],
      summary: 'List runs',
      description: "Runs of the token's role's jobs (an admin token: every role's, or `owner`'s), newest first, a page at a time.",
      security: BEARER,
      request: { params: DbParams, query: RunListQuery },
      responses: { 200: { description: 'A page of runs.', content: { 'application/json': { schema: RunList } } }, ...dataErrors },
    }),
    async (c) => {
      const { cursor, limit, owner: requested, job, status, since, until } = c.req.valid('query');
      const beforeId = cursor === undefined ? undefined : decodeCursor(cursor);
      const owner = listedOwner(c, requested);
      if (owner === null) return c.json({ runs: [], next_cursor: null }, 200);
      const result = await withRole(c, async (tx) => {
        const rows = await listRuns(tx, { owner, jobId: job, statuses: status, since, until, beforeId, limit: limit + 1 });
        const { items, next_cursor } = page(rows, limit);
        return { runs: items.map(runJson), next_cursor };
      });
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/databases/{db}/runs/{id}',
      tags: ['Runs'],
      summary: 'Read a run',
      description: "Another role's run is a 404.",
      security: BEARER,
      request: { params: IdParams },
      responses: { 200: { description: 'The run.', content: { 'application/json': { schema: Run } } }, ...dataErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const run = await withRole(c, async (tx) => {
        const row = await findRun(tx, id, visibleOwner(c));
        return row ? runJson(row) : fail('not_found', `run ${id} does not exist or is not visible to this token`);
      });
      return c.json(run, 200);
    },
  );

