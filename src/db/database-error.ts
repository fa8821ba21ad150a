// The PostgreSQL error behind whatever the driver or drizzle threw, and how an error may be
// logged: drizzle's "Failed query: … params: …" text carries the query's values (job SQL, run
// results), which must never reach a log.

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

/** The driver's error behind drizzle's "Failed query: …" wrapper, whose text holds the query and its parameters. */
export function rootCause(e: unknown): unknown {
  return e instanceof Error && /^Failed query:/.test(e.message) && e.cause !== undefined ? e.cause : e;
}

/**
 * An unexpected error as it may be logged: drizzle's "Failed query: … params: …" text carries
 * the request's values (job SQL may hold secrets), so for a database error only its SQLSTATE
 * and PostgreSQL's message are kept.
 */
export function loggableError(e: unknown, options: { stack?: boolean } = {}): string {
  const pg = databaseErrorOf(e);
  if (pg) return `database error ${pg.code}: ${pg.message}`;
  if (!(e instanceof Error)) return String(e);
  const root = rootCause(e);
  if (root !== e) return `${e.name}: query failed (${root instanceof Error ? root.message : String(root)})`;
  return options.stack === false ? e.message : (e.stack ?? e.message);
}
