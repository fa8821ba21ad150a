// Schemas shared by every route: path parameters, paging, text, timestamps and the error body.
import { z } from '@hono/zod-openapi';
import { parseInstant } from '../../schedule';

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

/**
 * An instant a row must have, which may still hold one JavaScript cannot show (`infinity`, a BC
 * date, written by SQL): then null, and named in `unreadable_instants`.
 */
export const StoredTimestamp = Timestamp.nullable().openapi({
  description: 'Null only when the stored value cannot be shown (`infinity`, a BC date): see `unreadable_instants`.',
});

/** Which instants of a row were shown as null because JavaScript cannot hold them. */
export const UnreadableInstants = z
  .array(z.string())
  .optional()
  .openapi({
    description:
      'Present only when some stored instant cannot be shown (`infinity`, `-infinity`, a BC date: written by SQL): the keys shown as null, `dates.<i>` for an element of `dates`.',
    example: ['run_after'],
  });

// NUL cannot be stored in text, and an unpaired UTF-16 surrogate cannot be written as jsonb
// (the keys reach the SQL functions as jsonb): PostgreSQL would refuse either with a message
// naming no field ("unsupported Unicode escape sequence", "invalid byte sequence ... 0x00").
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_MESSAGE = 'must not contain NUL (\\u0000) or unpaired surrogate characters';

/** Whether PostgreSQL can store `text` as text and in jsonb. */
export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

/** Any text field of a request: a string PostgreSQL can store. */
export const Text = z.string().refine(isStorableText, UNSTORABLE_MESSAGE);

/**
 * Names of jobs and queues. 200 UTF-16 code units are at most 600 bytes of UTF-8, so a name
 * always fits the unique index on (owner, name) (an entry holds at most 2704 bytes, and a name
 * that does not compress takes its full size there); unbounded, a long name was a 500.
 */
export const MAX_NAME_LENGTH = 200;
export const Name = Text.min(1).max(MAX_NAME_LENGTH, `at most ${MAX_NAME_LENGTH} characters`);

/** A PostgreSQL role name (at most 63 bytes; a longer one names no role). */
export const RoleName = Text.min(1).max(63, 'at most 63 characters (a PostgreSQL role name)');

/**
 * The instants the API takes. PostgreSQL also reads `infinity`, BC dates and years up to 294276,
 * which JavaScript cannot show (every read of such a row was a 500); and the driver reads
 * PostgreSQL's text of years below 100 as 19xx or not at all (`0050-01-01 00:00:00+00` becomes
 * 1950). From year 1000 an instant reads back as itself in any session time zone.
 */
const MIN_INSTANT = Date.UTC(1000, 0, 1);
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const INSTANT_MESSAGE =
  'must be an ISO 8601 instant between 1000-01-01 and 9999-12-31, such as 2026-01-01T09:00:00Z or 2026-01-01 10:00:00+01';

/** Milliseconds since the epoch of ISO 8601 text within the API's range (no offset: UTC), or null. */
export function instantOf(text: string): number | null {
  if (text.length > 100) return null;
  const parsed = parseInstant(text, 'UTC');
  return parsed.ok && parsed.value >= MIN_INSTANT && parsed.value <= MAX_INSTANT ? parsed.value : null;
}

/**
 * An instant in a request body: ISO 8601 text as JSON and PostgreSQL write it, with an offset
 * or `Z` (without one, a wall time, which PostgreSQL reads in the session's time zone).
 */
export const TimestampText = z
  .string()
  .refine((text) => instantOf(text) !== null, INSTANT_MESSAGE)
  .openapi({
    description: 'ISO 8601 instant between 1000-01-01 and 9999-12-31, e.g. `2026-01-01T09:00:00Z`',
    format: 'date-time',
    example: '2026-01-01T09:00:00Z',
  });

/** An instant in a query string (since, until): as TimestampText, without an offset UTC. */
export const QueryInstant = z
  .string()
  .refine((text) => instantOf(text) !== null, INSTANT_MESSAGE)
  .transform((text) => new Date(instantOf(text) ?? Number.NaN))
  .openapi({ type: 'string', format: 'date-time' });

/** A duration in a request: PostgreSQL interval text. */
export const IntervalText = Text.min(1)
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

const forbidden = errorResponse(
  'The token may not do this: its role does not exist in the database or may not schedule (not in `edgecron_user`), or it acts for another role, `run_as` or `owner` it may not use, or it is not admin.',
);

/** The error responses every data route may give, for the OpenAPI document. */
export const dataErrors = {
  400: errorResponse('Invalid request: the message names the field, the bad value and what is allowed.'),
  401: errorResponse('Missing or invalid bearer token.'),
  403: forbidden,
  404: errorResponse('No such database, or no such object visible to this token.'),
  500: errorResponse('An unexpected failure (a bug): `internal`, the message holds only the request id (also the `X-Request-Id` header).'),
  503: errorResponse(
    'The API cannot serve this database: no API tokens configured (`no_tokens`), a configuration error (`misconfigured`, the message names the setting) or the database cannot be reached (`database_unavailable`).',
  ),
} as const;

export const errorResponses = {
  403: forbidden,
  409: errorResponse('The name is already taken by this owner (SQLSTATE 23505), or the job changed state meanwhile (SQLSTATE 55000: a run started or ended); try again.'),
  413: errorResponse('The body is larger than 256 KB, or a value is larger than PostgreSQL can hold (SQLSTATE 54000).'),
  415: errorResponse('The body is not `application/json`.'),
  422: errorResponse('Well-formed but impossible (`depends_on` together with `run_after`).'),
} as const;
