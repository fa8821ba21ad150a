// Every route file builds its routes on one of these: OpenAPIHono, so the zod schemas that
// validate a request also document it in /openapi.json, and failed validation answers in our
// error shape.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context';
import { validationHook } from './validation';

export function newRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: (result, c) => validationHook(result, c) });
}

/** Bearer auth, as the OpenAPI document names it. */
export const BEARER = [{ bearer: [] }];
