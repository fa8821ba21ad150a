// /v1/databases/{db}/status, /pause and /resume: is the scheduler alive, and the global brake.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { withRole, type AppEnv } from '../context';
import { fail } from '../errors';
import { masterStatus, wakeMaster } from '../master';
import { setPaused } from '../queries/job-functions';
import { readHeartbeats, readSettings } from '../queries/status';
import { BEARER, newRouter } from '../router';
import { DbParams, dataErrors, errorResponses } from '../schemas/common';

const Status = z
  .object({
    database: z.string(),
    master: z.record(z.string(), z.unknown()).nullable().openapi({ description: "The master's own report (null if it did not answer); its fields grow with the engine." }),
    settings: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'The edgecron.settings row.' }),
    heartbeats: z.array(z.record(z.string(), z.unknown())).openapi({ description: 'edgecron.master_heartbeat rows.' }),
  })
  .openapi('Status');

const Paused = z
  .object({ paused: z.boolean(), settings: z.record(z.string(), z.unknown()).nullable() })
  .openapi('Paused');

function pauseRoute(paused: boolean) {
  return createRoute({
    method: 'post',
    path: `/v1/databases/{db}/${paused ? 'pause' : 'resume'}`,
    tags: ['Scheduler'],
    summary: paused ? 'Pause the scheduler (admin)' : 'Resume the scheduler (admin)',
    description: paused
      ? 'No run starts in this database until resumed (`edgecron.pause()`); running runs finish. Admin tokens only.'
      : 'Runs start again (`edgecron.resume()`). Admin tokens only.',
    security: BEARER,
    request: { params: DbParams },
    responses: {
      200: { description: 'The pause state and settings.', content: { 'application/json': { schema: Paused } } },
      ...dataErrors,
      403: errorResponses[403],
    },
  });
}

async function setPause(c: Context<AppEnv>, paused: boolean) {
  if (!c.get('grant').admin) fail('forbidden', `only an admin token may ${paused ? 'pause' : 'resume'} the scheduler`);
  const settings = await withRole(c, async (tx) => {
    await setPaused(tx, paused);
    return readSettings(tx);
  });
  wakeMaster(c);
  return { paused: settings?.paused === true, settings };
}

export const statusRoutes = newRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/databases/{db}/status',
      tags: ['Scheduler'],
      summary: 'Scheduler status',
      description: "The master's report, the database's settings and the masters' heartbeats.",
      security: BEARER,
      request: { params: DbParams },
      responses: { 200: { description: 'Status.', content: { 'application/json': { schema: Status } } }, ...dataErrors, 403: errorResponses[403] },
    }),
    async (c) => {
      // As the token's role, like every data route: a role that does not exist or may not
      // schedule (not in edgecron_user, which may read these tables) is a 403 here as well.
      const [master, rows] = await Promise.all([
        masterStatus(c),
        withRole(c, async (tx) => ({ settings: await readSettings(tx), heartbeats: await readHeartbeats(tx) })),
      ]);
      return c.json({ database: c.get('database').name, master, ...rows }, 200);
    },
  )
  .openapi(pauseRoute(true), async (c) => c.json(await setPause(c, true), 200))
  .openapi(pauseRoute(false), async (c) => c.json(await setPause(c, false), 200));
