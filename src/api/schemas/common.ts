// Schemas shared by every route: path parameters, paging, timestamps and the error body.
import { z } from '@hono/zod-openapi';

/** Database ids are bigint; the API takes those a JSON number holds exactly (≤ 2^53 - 1). */
export const MAX_ID = Number.MAX_SAFE_INTEGER;
export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;
const INT32_MAX = 2_147_483_647;

export const Id = z.number().int().min(1).max(MAX_ID);

/** An id in a path or query string: digits only, no sign, exponent or leading zero. */
export const IdText = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, `must be a positive integer of at most ${MAX_ID}`)
  .transform(Number)
  .pipe(z.number().max(MAX_ID, `must be a positive integer of at most ${MAX_ID}`));

export const DatabaseParam = z.string().openapi({
  param: { name: 'db', in: 'path' },
  description: 'A configured database name (`main` is `DATABASE_URL`).',
  example: 'main',
});

export const DbParams = z.object({ db: DatabaseParam });

export const IdParams = z.object({
  db: DatabaseParam,
  id: IdText.openapi({ param: { name: 'id', in: 'path' }, type: 'integer', example: 42 }),
});

export const Int32 = z.number().int().min(-INT32_MAX - 1).max(INT32_MAX);
export const PositiveInt32 = z.number().int().min(1).max(INT32_MAX);

/** An instant in a response: ISO 8601 UTC. */
export const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' });

/** An instant in a request: any text PostgreSQL reads as timestamptz (ISO 8601 recommended). */
export const TimestampText = z
  .string()
  .min(1)
  .max(100)
  .openapi({ description: 'timestamptz text, e.g. `2026-01-01T09:00:00Z`', example: '2026-01-01T09:00:00Z' });

/** A duration in a request: PostgreSQL interval text. */
export const IntervalText = z
  .string()
  .min(1)
  .max(100)
  .openapi({ description: "PostgreSQL interval text, e.g. `'5 minutes'` or `'00:00:30'`", example: '5 minutes' });

export const Limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_LIMIT)
  .default(DEFAULT_LIMIT)
  .openapi({ type: 'integer', description: `Page size, 1-${MAX_LIMIT} (default ${DEFAULT_LIMIT}).` });

export const Cursor = z
  .string()
  .max(64)
  .openapi({ description: '`next_cursor` of the previous page.' });

export const NextCursor = z
  .string()
  .nullable()
  .openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string().openapi({ example: 'cron: minute: 61 is out of range 0-59 in "61 * * * *"' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBody } },
});

/** The error responses every data route may give, for the OpenAPI document. */
export const dataErrors = {
  400: errorResponse('Invalid request: the message names the field, the bad value and what is allowed.'),
  401: errorResponse('Missing or invalid bearer token.'),
  404: errorResponse('No such database, or no such object visible to this token.'),
  503: errorResponse('No API tokens configured, or the database cannot be reached.'),
} as const;

export const errorResponses = {
  403: errorResponse('The token may not do this (another role, `run_as` or `owner` not allowed, not admin).'),
  409: errorResponse('The name is already taken by this owner.'),
  413: errorResponse('The body is larger than 256 KB.'),
  415: errorResponse('The body is not `application/json`.'),
  422: errorResponse('Well-formed but impossible (`depends_on` together with `run_after`).'),
} as const;
