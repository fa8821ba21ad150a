// What the database says about a request, in HTTP terms. The SQL functions and triggers raise
// SQLSTATEs whose messages name the key at fault (docs/job-keys.md); those messages are meant for
// the caller and are passed on as they are. Anything else is a bug or an outage, never echoed.
import { databaseErrorOf } from '../db/database-error';
import type { ApiError } from './errors';

export { databaseErrorOf, loggableError, rootCause } from '../db/database-error';

/**
 * The API error for a SQLSTATE raised by bad input or a state the request cannot change, or null
 * for anything else (an unexpected failure: a lost connection, a syntax error in our own SQL),
 * answered as a 500 with a request id and without its text.
 *
 * - class 22 (data exception), class 23 (integrity constraint) and 42704 (no such role): the
 *   caller's input, 400; but 23505, a taken name, is a 409;
 * - class 54 (program limit exceeded): a value past what PostgreSQL can hold (54000, an index
 *   entry above 2704 bytes) is a 413, anything too complex for it (54001, stack depth) a 400;
 * - 55000 (object not in prerequisite state), raised by the triggers when a request races the
 *   scheduler (cancelling a job whose run has just started or ended): a 409, try again;
 * - 42501: forbidden (403); P0002: not found (404).
 */
export function apiErrorFromDatabase(e: unknown): ApiError | null {
  const pg = databaseErrorOf(e);
  if (!pg) return null;
  // "Failing row contains (…)" repeats the whole row back: noise, and possibly large.
  const detail = pg.detail && !pg.detail.startsWith('Failing row contains') ? pg.detail : undefined;
  const details = { sqlstate: pg.code, ...(detail ? { detail } : {}), ...(pg.hint ? { hint: pg.hint } : {}) };
  const as = (code: ApiError['code']): ApiError => ({ code, message: pg.message, details });
  if (pg.code === '23505' || pg.code === '55000') return as('conflict');
  if (pg.code === '42501') return as('forbidden');
  if (pg.code === 'P0002') return as('not_found');
  if (pg.code === '54000') return as('payload_too_large');
  if (pg.code.startsWith('22') || pg.code.startsWith('23') || pg.code.startsWith('54') || pg.code === '42704') return as('invalid_request');
  return null;
}

/** The SQLSTATE behind an API error that came from the database (apiErrorFromDatabase), if any. */
export function sqlstateOf(error: ApiError): string | undefined {
  const details = error.details;
  return details !== null && typeof details === 'object' && 'sqlstate' in details && typeof details.sqlstate === 'string' ? details.sqlstate : undefined;
}
