// Request validation errors, in the one error shape. Every message names the field, the bad
// value and what is allowed: `limit: Too big: expected number to be <=1000 (got "5000")`.
import type { Context } from 'hono';
import type { z } from 'zod';
import { quote } from '../schedule';
import { errorResponse, type ApiError } from './errors';

type Target = 'json' | 'query' | 'param' | 'header' | 'cookie' | 'form';

const WHERE: Record<Target, string> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'cookie',
  form: 'body',
};

const MAX_SHOWN = 80;
const MAX_KEYS_SHOWN = 5;
const MAX_IN_MESSAGE = 3;
const MAX_DETAILS = 50;

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // A value nested thousands deep overflows JSON.stringify's stack, and String()'s as well.
    text = Array.isArray(value) ? 'an array' : typeof value === 'object' && value !== null ? 'an object' : typeof value;
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** One issue as text: the field's path, what is wrong and the value that was sent. */
function describe(issue: z.core.$ZodIssue, data: unknown, target: Target): { path: string; message: string } {
  const path = issue.path.map(String).join('.');
  const field = path || WHERE[target];
  if (issue.code === 'unrecognized_keys') {
    // At most five keys, each cut short: a body of a thousand long keys gets a short message.
    const keys = issue.keys.slice(0, MAX_KEYS_SHOWN).map((k) => quote(k)).join(', ');
    const more = issue.keys.length > MAX_KEYS_SHOWN ? ` and ${issue.keys.length - MAX_KEYS_SHOWN} more` : '';
    return { path, message: `${field}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${more}` };
  }
  // An issue with the body as a whole (a missing group of keys) has no single value to show.
  const value = valueAt(data, issue.path);
  const got = issue.path.length === 0 ? '' : value === undefined ? ' (missing)' : ` (got ${shown(value)})`;
  return { path, message: `${field}: ${issue.message}${got}` };
}

/** The 400 for a failed zod parse of a request part; `data` is what was sent. */
export function validationError(error: z.ZodError, data: unknown, target: Target): ApiError {
  const issues = error.issues.map((issue) => describe(issue, data, target));
  // Unknown keys first: a misspelt key often causes the other issues.
  issues.sort((a, b) => Number(b.message.includes('unknown key')) - Number(a.message.includes('unknown key')));
  const more = issues.length > MAX_IN_MESSAGE ? `; and ${issues.length - MAX_IN_MESSAGE} more` : '';
  const message = issues.slice(0, MAX_IN_MESSAGE).map((i) => i.message).join('; ') + more || `${WHERE[target]}: invalid`;
  return { code: 'invalid_request', message, details: issues.slice(0, MAX_DETAILS) };
}

/** The defaultHook of every OpenAPIHono router: validation failures in our error shape. */
export function validationHook(
  result: { target: Target } & ({ success: true } | { success: false; error: z.ZodError }),
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  // @hono/zod-validator passes what was sent as `data` beside the failure; its type omits it.
  const data = 'data' in result ? result.data : undefined;
  return errorResponse(c, validationError(result.error, data, result.target));
}
