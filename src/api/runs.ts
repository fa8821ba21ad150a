import { Hono } from 'hono';
import { z } from 'zod';
import { listRuns } from '../db/queries/list-runs';
import { withDatabase, visibleOwner, type AppEnv } from './context';
import { parseOrFail } from './validation';

const RunListQuery = z
  .object({
    job: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const runRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const { job, limit } = parseOrFail(RunListQuery, c.req.query());
  const runs = await withDatabase(c, (db) => listRuns(db, { jobId: job, owner: visibleOwner(c), limit }));
  return c.json({ runs });
});
