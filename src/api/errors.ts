// API errors are values with a code; they become HTTP responses here and only here.
import type { Context } from 'hono';
import type { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const MAX_BODY_BYTES = 256 * 1024;

export type ApiErrorCode =
  | 'invalid_request'
  | 'invalid_schedule'
  | 'invalid_timezone'
  | 'never_fires'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'misconfigured'
  | 'no_tokens'
  | 'database_unavailable'
  | 'internal';

export interface ApiError {
  code: ApiErrorCode;
  message: string;
  details?: unknown;
}

export function httpStatus(code: ApiErrorCode): ContentfulStatusCode {
  switch (code) {
    case 'invalid_request':
    case 'invalid_schedule':
    case 'invalid_timezone':
    case 'never_fires':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'unprocessable':
      return 422;
    case 'internal':
      return 500;
    // The service cannot serve until its configuration is fixed: unavailable, like no tokens.
    case 'misconfigured':
    case 'no_tokens':
    case 'database_unavailable':
      return 503;
  }
}

/** The one error body shape: {"error": {"code", "message", "details"?}}. */
export function errorResponse(c: Context, error: ApiError): Response {
  const body = error.details === undefined ? { code: error.code, message: error.message } : error;
  const response = c.json({ error: body }, httpStatus(error.code));
  if (error.code === 'unauthorized') response.headers.set('WWW-Authenticate', 'Bearer');
  return response;
}

/** Thrown inside handlers to answer with an ApiError; anything else thrown is a bug. */
export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

export const fail = (code: ApiErrorCode, message: string, details?: unknown): never => {
  throw new ApiFailure(details === undefined ? { code, message } : { code, message, details });
};

/** What a Hono HTTPException (raised by middleware and validators, not by us) means in our terms. */
export function fromHttpException(e: HTTPException, c: { req: { header(name: string): string | undefined } }): ApiError {
  switch (e.status) {
    case 400:
      return { code: 'invalid_request', message: `body: is not valid JSON (${e.message})` };
    case 413:
      return { code: 'payload_too_large', message: `body: larger than the ${MAX_BODY_BYTES / 1024} KB allowed` };
    case 415:
      return {
        code: 'unsupported_media_type',
        message: `body: Content-Type must be application/json, got ${JSON.stringify(c.req.header('Content-Type') ?? 'none')}`,
      };
    default:
      return e.status < 500 ? { code: 'invalid_request', message: e.message } : { code: 'internal', message: 'internal error' };
  }
}
