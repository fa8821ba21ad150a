// GET /openapi.json and GET /docs: the API described by the same zod schemas that validate it.
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import type { AppEnv } from '../context';
import { renderDocsPage } from '../docs-page';
import { ErrorBody } from '../schemas/common';

type Json = Record<string, unknown>;

const INFO = {
  title: 'edgecron',
  version: '1',
  description:
    'A PostgreSQL job scheduler on Cloudflare Workers. Data routes need `Authorization: Bearer <token>`; a token acts as its database role and sees only that role\'s jobs and runs (an admin token: every role\'s). Errors have one shape: `{"error": {"code", "message", "details"?}}`. JSON keys are snake_case like the SQL columns; instants are ISO 8601 UTC.',
};

const documents = new WeakMap<object, Json>();

/** The OpenAPI 3 document of `app`, built once per isolate (after every route is registered). */
export function openApiDocument(app: OpenAPIHono<AppEnv>): Json {
  const cached = documents.get(app);
  if (cached) return cached;
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from EDGECRON_TOKENS (or EDGECRON_DEV_TOKENS locally).',
  });
  // The preview route is a plain Hono app (src/api/schedule-preview.ts); it is described here.
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/schedule/preview',
    tags: ['Schedules'],
    summary: 'Preview a schedule',
    description:
      'The next fires of a schedule, to check it before saving; no token needed. Body keys: `schedule`, `rule`, `dates`, `at`, `timezone`, `start`, `end`, `dayMatch`, `from`, `count` (1-1000, default 5). Answers `fires` (UTC), `local` (with the zone\'s offset) and `warnings`.',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.record(z.string(), z.unknown()).openapi({ example: { schedule: '30 2 * * *', timezone: 'Europe/Berlin', count: 3 } }),
          },
        },
      },
    },
    responses: {
      200: {
        description: 'The next fires.',
        content: { 'application/json': { schema: z.object({ fires: z.array(z.string()), local: z.array(z.string()), warnings: z.array(z.string()) }) } },
      },
      400: { description: 'The schedule or the body is invalid.', content: { 'application/json': { schema: ErrorBody } } },
    },
  });
  const document = app.getOpenAPIDocument({ openapi: '3.0.3', info: INFO }) as unknown as Json;
  documents.set(app, document);
  return document;
}

export function docsRoutes(document: () => Json): Hono<AppEnv> {
  let page: string | undefined;
  return new Hono<AppEnv>()
    .get('/openapi.json', (c) => c.json(document()))
    .get('/docs', (c) => {
      page ??= renderDocsPage(document());
      return c.html(page);
    });
}
