// The HTTP API: request id → config → auth → route; errors become responses in one place.
import { Hono } from 'hono';
import { readConfig } from '../env';
import { authenticate, mayUseDatabase } from './auth';
import type { AppEnv } from './context';
import { ApiFailure, errorResponse } from './errors';
import { runRoutes } from './runs';

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set('requestId', crypto.randomUUID());
    await next();
  });

  app.get('/healthz', (c) => c.json({ ok: true }));

  const data = new Hono<AppEnv>();
  data.use(async (c, next) => {
    const config = readConfig(c.env as unknown as Record<string, unknown>);
    if (!config.ok) return errorResponse(c, config.error);
    if (config.value.tokens.size === 0) {
      return errorResponse(c, {
        code: 'no_tokens',
        message: 'no API tokens are configured: set EDGECRON_TOKENS; until then every data route is refused',
      });
    }
    const grant = await authenticate(config.value, c.req.header('Authorization'));
    if (!grant) {
      return errorResponse(c, { code: 'unauthorized', message: 'a valid "Authorization: Bearer <token>" header is required' });
    }
    c.set('config', config.value);
    c.set('grant', grant);
    await next();
  });
  data.use('/databases/:db/*', async (c, next) => {
    const name = c.req.param('db');
    const database = c.get('config').databases.get(name);
    if (!database || !mayUseDatabase(c.get('grant'), name)) {
      return errorResponse(c, { code: 'not_found', message: `database "${name}" is not configured` });
    }
    c.set('database', database);
    await next();
  });
  data.route('/databases/:db/runs', runRoutes);
  app.route('/v1', data);

  app.notFound((c) => errorResponse(c, { code: 'not_found', message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }));
  app.onError((e, c) => {
    if (e instanceof ApiFailure) return errorResponse(c, e.error);
    console.error(`[api] request ${c.get('requestId')}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return errorResponse(c, { code: 'internal', message: `internal error (request id ${c.get('requestId')})` });
  });
  return app;
}
