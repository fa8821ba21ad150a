// GET /openapi.json and GET /docs: the API described by the same zod schemas that validate it.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context';
import { renderDocsPage } from '../docs-page';
import { newRouter } from '../router';

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
    description: 'A token from EDGECRON_TOKENS (or, locally beside EDGECRON_WS_PROXY, EDGECRON_DEV_TOKENS).',
  });
  const document = app.getOpenAPIDocument({ openapi: '3.0.3', info: INFO }) as unknown as Json;
  documents.set(app, document);
  return document;
}

/** GET /openapi.json and GET /docs; `document` is called once every route is registered. */
export function docsRoutes(document: () => Json): OpenAPIHono<AppEnv> {
  let page: string | undefined;
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/openapi.json',
        tags: ['Scheduler'],
        summary: 'This API as OpenAPI 3',
        description: 'The OpenAPI 3 document, generated from the zod schemas that validate each request; no token needed.',
        responses: { 200: { description: 'The document.', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
      }),
      (c) => c.json(document(), 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/docs',
        tags: ['Scheduler'],
        summary: 'This API as a web page',
        description: 'The same document as one self-contained HTML page (no scripts, nothing fetched): every route, its parameters, body keys, responses and a curl example; no token needed.',
        responses: { 200: { description: 'The page.', content: { 'text/html': { schema: z.string() } } } },
      }),
      (c) => {
        page ??= renderDocsPage(document());
        return c.html(page, 200);
      },
    );
}
