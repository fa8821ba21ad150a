// What a request knows (its config, token grant and database) and how it reaches the database:
// one connection per request, and every data access in a transaction acting as the token's role.
import type { Context } from 'hono';
import { sql } from 'drizzle-orm';
import { createDb, createPool, isConnectionError, type Db } from '../db/client';
import type { Config, DatabaseConfig, TokenGrant } from '../env';
import { apiErrorFromDatabase, databaseErrorOf, loggableError, rootCause } from './database-errors';
import { ApiFailure, fail } from './errors';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    grant: TokenGrant;
    database: DatabaseConfig;
  };
}

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What the login role reads before the transaction switches to the token's role. */
export interface LoginReads {
  /** edgecron.settings.timezone: the zone of jobs that name none. */
  timezone: string;
}

/**
 * Runs `use` with a connection to the request's database, opened for this request only
 * (Workers cannot share connections between requests) and closed after the response.
 * Errors the database raises for bad input become API errors (database-errors.ts).
 */
export async function withDatabase<T>(c: Context<AppEnv>, use: (db: Db) => Promise<T>): Promise<T> {
  const requestId = c.get('requestId');
  let closing = false;
  const pool = createPool({
    url: c.get('database').url,
    wsProxy: c.get('config').wsProxy,
    max: 1,
    // Closing the pool closes its socket, which the driver reports as an error: expected.
    onError: (m) => closing || console.error(`[api] request ${requestId}: ${m}`),
  });
  try {
    return await use(createDb(pool));
  } catch (e) {
    if (e instanceof ApiFailure) throw e;
    const known = apiErrorFromDatabase(e);
    if (known) throw new ApiFailure(known);
    // Judged on the driver's own error: drizzle's wrapper quotes the request's SQL and values.
    if (isConnectionError(rootCause(e))) {
      console.error(`[api] request ${requestId}: ${loggableError(e)}`);
      return fail('database_unavailable', `database "${c.get('database').name}" cannot be reached; try again`);
    }
    throw e;
  } finally {
    closing = true;
    c.executionCtx.waitUntil(pool.end().catch(() => {}));
  }
}

/**
 * Runs `use` in one transaction that acts as the token's role (`SET LOCAL ROLE` through
 * set_config), so the database's row security and the SQL functions' checks apply to it as
 * they would to that role in psql. The login role must be a member of the token's role.
 */
export async function withRole<T>(c: Context<AppEnv>, use: (tx: Tx, login: LoginReads) => Promise<T>): Promise<T> {
  const role = c.get('grant').role;
  return withDatabase(c, (db) =>
    db.transaction(async (tx) => {
      // Read as the login role, which owns the tables, before acting as the token's role.
      const settings = await tx.execute<{ timezone: string }>(sql`SELECT timezone FROM edgecron.settings LIMIT 1`);
      const login: LoginReads = { timezone: settings.rows[0]?.timezone ?? 'UTC' };
      try {
        await tx.execute(sql`SELECT set_config('role', ${role}, true)`);
      } catch (e) {
        const pg = databaseErrorOf(e);
        if (!pg) throw e;
        return fail(
          'forbidden',
          `this token's role "${role}" cannot be used in database "${c.get('database').name}": ${pg.message}`,
        );
      }
      return use(tx, login);
    }),
  );
}

/**
 * The owner whose jobs and runs a request lists: for an admin token the one it asks for
 * (`?owner=`) or every role's (undefined); for any other token its own role, and nothing (null)
 * when it asks for another role's.
 */
export function listedOwner(c: Context<AppEnv>, requested: string | undefined): string | undefined | null {
  const grant = c.get('grant');
  if (grant.admin) return requested;
  return requested === undefined || requested === grant.role ? grant.role : null;
}

/** The owner whose single objects a request may see: its own role, or every role's for an admin. */
export function visibleOwner(c: Context<AppEnv>): string | undefined {
  const grant = c.get('grant');
  return grant.admin ? undefined : grant.role;
}

/** A 403 unless the token may act for `owner` (its own role, or any role for an admin token). */
export function assertMayActFor(c: Context<AppEnv>, owner: string | undefined): void {
  const grant = c.get('grant');
  if (owner !== undefined && owner !== grant.role && !grant.admin) {
    fail('forbidden', `owner: only an admin token may act for another role (this token acts as "${grant.role}", not ${JSON.stringify(owner)})`);
  }
}
