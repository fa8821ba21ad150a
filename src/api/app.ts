// The HTTP API: request id → body limit → (public routes) → token → database → route; errors
// become responses in one place (errors.ts), whatever raised them.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { readConfig } from '../env';
import { authenticate, mayUseDatabase } from './auth';
import type { AppEnv } from './context';
import { loggableError } from './database-errors';
import { ApiFailure, MAX_BODY_BYTES, errorResponse, fromHttpException } from './errors';
import { openApiDocument, docsRoutes } from './routes/docs';
import { jobActionRoutes } from './routes/job-actions';
import { jobByNameRoutes } from './routes/job-by-name';
import { jobRoutes } from './routes/jobs';
import { runRoutes } from './routes/runs';
import { statusRoutes } from './routes/status';
import { submitRoutes } from './routes/submit';
import { newRouter } from './router';
import { schedulePreview } from './schedule-preview';

export { MAX_BODY_BYTES } from './errors';

export function createApp(): OpenAPIHono<AppEnv> {
  const app = newRouter();

  app.use(async (c, next) => {
    const requestId = crypto.randomUUID();
    c.set('requestId', requestId);
    await next();
    c.res.headers.set('X-Request-Id', requestId);
  });
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => errorResponse(c, fromHttpException(new HTTPException(413), c)),
    }),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['Scheduler'],
      summary: 'Liveness',
      description: 'Answers 200 without a token and without touching a database.',
      responses: { 200: { description: 'Alive.', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } } },
    }),
    (c) => c.json({ ok: true as const }, 200),
  );
  app.route('/v1/schedule/preview', schedulePreview);
  app.route('/', docsRoutes(() => openApiDocument(app)));

  app.use('/v1/databases/*', async (c, next) => {
    const config = readConfig(c.env as unknown as Record<string, unknown>);
    if (!config.ok) return errorResponse(c, config.error);
    const tokens = config.value.tokens;
    if (!tokens.ok) return errorResponse(c, tokens.error);
    if (tokens.value.size === 0) {
      return errorResponse(c, {
        code: 'no_tokens',
        message: 'no API tokens are configured: set EDGECRON_TOKENS; until then every data route is refused',
      });
    }
    const grant = await authenticate(tokens.value, c.req.header('Authorization'));
    if (!grant) {
      return errorResponse(c, { code: 'unauthorized', message: 'a valid "Authorization: Bearer <token>" header is required' });
    }
    c.set('config', config.value);
    c.set('grant', grant);
    await next();
  });
  app.use('/v1/databases/:db/*', async (c, next) => {
    const name = c.req.param('db');
    const database = c.get('config').databases.get(name);
    if (!database || !mayUseDatabase(c.get('grant'), name)) {
      return errorResponse(c, { code: 'not_found', message: `database ${JSON.stringify(name)} is not configured for this token` });
    }
    c.set('database', database);
    await next();
  });

  for (const routes of [jobByNameRoutes, jobActionRoutes, jobRoutes, submitRoutes, runRoutes, statusRoutes]) app.route('/', routes);

  app.notFound((c) => errorResponse(c, { code: 'not_found', message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }));
  app.onError((e, c) => {
    if (e instanceof ApiFailure) return errorResponse(c, e.error);
    if (e instanceof HTTPException) return errorResponse(c, fromHttpException(e, c));
    const requestId = c.get('requestId');
    console.error(`[api] request ${requestId}: ${loggableError(e)}`);
    return errorResponse(c, { code: 'internal', message: `internal error (request id ${requestId})` });
  });
  return app;
}
