// POST /v1/schedule/preview: the next fires of a schedule, so a user can check it before saving
// it. It touches no data, so it needs no token. Mount it before the token-checked /v1 routes.
//
// Request errors answer 400 (413 for an oversized body) with the one error body shape
// {"error": {"code", "message", "details"?}}: `invalid_request` for the body itself, the schedule
// module's codes (`invalid_schedule`, `invalid_timezone`, `never_fires`) for what it says.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { MAX_PREVIEW_COUNT, canonicalTimeZone, parseInstant, previewSchedule, quote, type ScheduleInput } from '../schedule';

const MAX_BODY_CHARS = 256 * 1024;
const DEFAULT_COUNT = 5;

const previewRequest = z.strictObject({
  schedule: z.string().optional(),
  rule: z.unknown().optional(),
  dates: z.array(z.string()).optional(),
  at: z.string().optional(),
  timezone: z.string().optional(),
  start: z.string().nullable().optional(),
  end: z.string().nullable().optional(),
  dayMatch: z.enum(['any', 'all']).optional(),
  from: z.string().optional(),
  count: z.number().int().min(1).max(MAX_PREVIEW_COUNT).optional(),
});
const ALLOWED_KEYS = Object.keys(previewRequest.shape).join(', ');

type ErrorStatus = 400 | 413;

function refuse(c: Context, status: ErrorStatus, code: string, message: string, details?: unknown): Response {
  return c.json({ error: details === undefined ? { code, message } : { code, message, details } }, status);
}

/** At most five keys, each quoted and cut short: a body of a thousand long keys gets a short message. */
function unknownKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((k) => quote(k)).join(', ');
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}

export const schedulePreview = new Hono();

schedulePreview.post('/', async (c) => {
  const text = await c.req.text();
  if (text.length > MAX_BODY_CHARS) {
    return refuse(c, 413, 'payload_too_large', `body: ${text.length} characters is more than the ${MAX_BODY_CHARS} allowed`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return refuse(c, 400, 'invalid_request', `body: is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }

  const parsed = previewRequest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const first = parsed.error.issues[0];
    const message =
      first?.code === 'unrecognized_keys'
        ? `body: unknown key${first.keys.length > 1 ? 's' : ''} ${unknownKeys(first.keys)}; allowed keys are ${ALLOWED_KEYS}`
        : `${first?.path.join('.') || 'body'}: ${first?.message ?? 'is invalid'}`;
    return refuse(c, 400, 'invalid_request', message, issues);
  }
  const { from: fromText, count = DEFAULT_COUNT, ...input } = parsed.data;

  let from = new Date();
  if (fromText !== undefined) {
    // Without an offset, `from` is a wall time in the schedule's zone, like `at` and `dates`.
    const instant = parseInstant(fromText, canonicalTimeZone(input.timezone ?? 'UTC') ?? 'UTC');
    if (!instant.ok) return refuse(c, 400, 'invalid_request', `from: ${instant.error}`, [{ path: 'from', message: instant.error }]);
    from = new Date(instant.value);
  }

  const preview = previewSchedule(input as ScheduleInput, from, count);
  if (!preview.ok) {
    const { code, field, message } = preview.error;
    return refuse(c, 400, code, message, { field });
  }
  return c.json(preview.value);
});
