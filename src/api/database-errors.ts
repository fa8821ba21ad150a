// What the database says about a request, in HTTP terms. The SQL functions and triggers raise
// SQLSTATEs whose messages name the key at fault (docs/job-keys.md); those messages are meant for
// the caller and are passed on as they are. Anything else is a bug or an outage, never echoed.
import type { ApiError } from './errors';

interface DatabaseErrorFields {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** The PostgreSQL error behind `e` (drizzle wraps driver errors in `cause`), if there is one. */
export function databaseErrorOf(e: unknown): DatabaseErrorFields | null {
  for (let current: unknown = e, depth = 0; current instanceof Error && depth < 4; depth++) {
    const fields = current as Error & { code?: unknown; detail?: unknown; hint?: unknown };
    if (typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code)) {
      return {
        code: fields.code,
        message: fields.message,
        ...(typeof fields.detail === 'string' ? { detail: fields.detail } : {}),
        ...(typeof fields.hint === 'string' ? { hint: fields.hint } : {}),
      };
    }
    current = current.cause;
  }
  return null;
}

/**
 * The API error for a SQLSTATE raised by bad input, or null for anything else (an unexpected
 * failure, answered as a 500 without its text). Class 22 (data exception) and class 23 (integrity
 * constraint) are the caller's input: 23505 is a taken name (409), the rest 400.
 */
export function apiErrorFromDatabase(e: unknown): ApiError | null {
  const pg = databaseErrorOf(e);
  if (!pg) return null;
  // "Failing row contains (…)" repeats the whole row back: noise, and possibly large.
  const detail = pg.detail && !pg.detail.startsWith('Failing row contains') ? pg.detail : undefined;
  const details = { sqlstate: pg.code, ...(detail ? { detail } : {}), ...(pg.hint ? { hint: pg.hint } : {}) };
  if (pg.code === '23505') return { code: 'conflict', message: pg.message, details };
  if (pg.code === '42501') return { code: 'forbidden', message: pg.message, details };
  if (pg.code === 'P0002') return { code: 'not_found', message: pg.message, details };
  // 42704: a role named by run_as or owner does not exist; 2201B/2201G and friends sit in class 22.
  if (pg.code.startsWith('22') || pg.code.startsWith('23') || pg.code === '42704') {
    return { code: 'invalid_request', message: pg.message, details };
  }
  return null;
}

/** The driver's error behind drizzle's "Failed query: …" wrapper, whose text holds the query and its parameters. */
export function rootCause(e: unknown): unknown {
  return e instanceof Error && /^Failed query:/.test(e.message) && e.cause !== undefined ? e.cause : e;
}

/**
 * An unexpected error as it may be logged: drizzle's "Failed query: … params: …" text carries
 * the request's values (job SQL may hold secrets), so for a database error only its SQLSTATE
 * and PostgreSQL's message are kept.
 */
export function loggableError(e: unknown): string {
  const pg = databaseErrorOf(e);
  if (pg) return `database error ${pg.code}: ${pg.message}`;
  if (!(e instanceof Error)) return String(e);
  const root = rootCause(e);
  if (root !== e) return `${e.name}: query failed (${root instanceof Error ? root.message : String(root)})`;
  return e.stack ?? e.message;
}
