// API errors are values with a code; they become HTTP responses here and only here.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

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
    case 'misconfigured':
    case 'internal':
      return 500;
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
