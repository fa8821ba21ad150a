import type { Context } from 'hono';
import { createDb, createPool, isConnectionError, type Db } from '../db/client';
import type { Config, DatabaseConfig, TokenGrant } from '../env';
import { fail } from './errors';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    grant: TokenGrant;
    database: DatabaseConfig;
  };
}

/**
 * Runs `use` with a connection to the request's database, opened for this request only
 * (Workers cannot share connections between requests) and closed after the response.
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
    if (isConnectionError(e)) {
      console.error(`[api] request ${requestId}: ${e instanceof Error ? e.message : String(e)}`);
      return fail('database_unavailable', `database "${c.get('database').name}" cannot be reached; try again`);
    }
    throw e;
  } finally {
    closing = true;
    c.executionCtx.waitUntil(pool.end().catch(() => {}));
  }
}

/** The role whose jobs a request may see: its own, or every role's for an admin token. */
export function visibleOwner(c: Context<AppEnv>): string | undefined {
  const grant = c.get('grant');
  return grant.admin ? undefined : grant.role;
}
