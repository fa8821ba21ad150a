import type { z } from 'zod';
import { ApiFailure } from './errors';

/** The parsed value, or a 400 whose message names the first bad field and what is allowed. */
export function parseOrFail<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0];
  const message = first ? `${first.path || 'request'}: ${first.message}` : 'invalid request';
  throw new ApiFailure({ code: 'invalid_request', message, details: issues });
}
