// POST /v1/schedule/preview: the next fires of a schedule, so a user can check it before saving
// it. It touches no data, so it needs no token. Mount it before the token-checked /v1 routes.
// Like every other route, the zod schema that validates its body also describes it in
// /openapi.json.
//
// Request errors answer 400 (413 for an oversized body, 415 for one that is not JSON) with the
// one error body shape {"error": {"code", "message", "details"?}}: `invalid_request` for the body
// itself, the schedule module's codes (`invalid_schedule`, `invalid_timezone`, `never_fires`)
// for what it says.
import { createRoute, z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { MAX_PREVIEW_COUNT, canonicalTimeZone, parseInstant, previewSchedule, type ScheduleInput } from '../schedule';
import { ApiFailure, errorResponse, fail, fromHttpException } from './errors';
import { newRouter } from './router';
import { ErrorBody } from './schemas/common';
import { checkJsonValue } from './schemas/json-value';
import { validationError } from './validation';

const DEFAULT_COUNT = 5;

const previewRequest = z
  .strictObject({
    schedule: z.string().optional().openapi({ description: 'Any syntax of the schedule language (docs/schedules.md).', example: '30 2 * * *' }),
    rule: z.unknown().superRefine(checkJsonValue).optional().openapi({ description: "pgpro_scheduler's rule object." }),
    dates: z.array(z.string()).optional().openapi({ description: 'Instants to run at.' }),
    at: z.string().optional().openapi({ description: 'One instant to run at.' }),
    timezone: z.string().optional().openapi({ description: 'IANA zone of the wall times (default UTC).', example: 'Europe/Berlin' }),
    start: z.string().nullable().optional().openapi({ description: 'Validity window start.' }),
    end: z.string().nullable().optional().openapi({ description: 'Validity window end.' }),
    dayMatch: z.enum(['any', 'all']).optional().openapi({ description: 'How day of month and day of week combine when both are restricted.' }),
    from: z.string().optional().openapi({ description: 'Fires strictly after this instant (default now); without an offset a wall time in `timezone`.' }),
    count: z.number().int().min(1).max(MAX_PREVIEW_COUNT).optional().openapi({ description: `How many fires (default ${DEFAULT_COUNT}).` }),
  })
  .openapi('SchedulePreview', { example: { schedule: '30 2 * * *', timezone: 'Europe/Berlin', count: 3 } });
const ALLOWED_KEYS = Object.keys(previewRequest.shape).join(', ');

const PreviewResult = z
  .object({
    fires: z.array(z.string()).openapi({ description: 'The fire times, ISO 8601 UTC.' }),
    local: z.array(z.string()).openapi({ description: "The same, with the zone's offset." }),
    warnings: z.array(z.string()).openapi({ description: 'Uneven steps, clock changes, how the day fields combine, …' }),
  })
  .openapi('SchedulePreviewResult');

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });

const route = createRoute({
  method: 'post',
  path: '/',
  tags: ['Schedules'],
  summary: 'Preview a schedule',
  description:
    'The next fires of a schedule, to check it before saving; no token needed. Give one of `schedule`, `rule`, `dates`, `at`. Answers `fires` (UTC), `local` (with the zone\'s offset) and `warnings`.',
  request: { body: { required: true, content: { 'application/json': { schema: previewRequest } } } },
  responses: {
    200: { description: 'The next fires.', content: { 'application/json': { schema: PreviewResult } } },
    400: error('The body or the schedule is invalid (`invalid_request`, `invalid_schedule`, `invalid_timezone`, `never_fires`).'),
    413: error('The body is larger than 256 KB.'),
    415: error('The body is not `application/json`.'),
  },
});

export const schedulePreview = newRouter().openapi(
  route,
  (c) => {
    const { from: fromText, count = DEFAULT_COUNT, ...input } = c.req.valid('json');
    let from = new Date();
    if (fromText !== undefined) {
      // Without an offset, `from` is a wall time in the schedule's zone, like `at` and `dates`.
      const instant = parseInstant(fromText, canonicalTimeZone(input.timezone ?? 'UTC') ?? 'UTC');
      if (!instant.ok) fail('invalid_request', `from: ${instant.error}`, [{ path: 'from', message: instant.error }]);
      else from = new Date(instant.value);
    }
    const preview = previewSchedule(input as ScheduleInput, from, count);
    if (!preview.ok) return fail(preview.error.code, preview.error.message, { field: preview.error.field });
    return c.json(preview.value, 200);
  },
  (result) => {
    if (result.success) return undefined;
    const data = 'data' in result ? result.data : undefined;
    const refused = validationError(result.error, data, result.target);
    // A misspelt key is the usual mistake here: list the keys there are.
    const unknownKeys = result.error.issues.some((issue) => issue.code === 'unrecognized_keys');
    throw new ApiFailure(unknownKeys ? { ...refused, message: `${refused.message}; allowed keys are ${ALLOWED_KEYS}` } : refused);
  },
);

// Its own errors, and malformed JSON or a missing Content-Type (HTTPExceptions from the
// validator), answered here as the app would, so the route also works on its own; anything else
// is a bug, left to the app's error handler.
schedulePreview.onError((e, c) => {
  if (e instanceof ApiFailure) return errorResponse(c, e.error);
  if (e instanceof HTTPException) return errorResponse(c, fromHttpException(e, c));
  throw e;
});
