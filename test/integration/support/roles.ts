// Acting as database roles in tests. Roles are cluster-wide and outlive a test file, so creating
// them is idempotent. The pool hands each query a different connection: asRole checks out one
// connection and keeps it for the whole callback, so SET ROLE holds for every query in it.
import { env } from 'cloudflare:workers';
import type { Pool } from '@neondatabase/serverless';
import { createPool } from '../../../src/db/client';
import { sql } from './database';

/** alice and bob schedule (edgecron_user); carol does not; dana is an edgecron_admin. */
export const ALICE = 'alice';
export const BOB = 'bob';
export const CAROL = 'carol';
export const DANA = 'dana';
/** A group role alice belongs to (bob does not): a job of alice's may run as it. */
export const REPORTING = 'reporting';

/** Creates the test roles if missing and sets their memberships as documented above. */
export async function ensureTestRoles(): Promise<void> {
  await sql(`DO $$
    DECLARE r text;
    BEGIN
      FOREACH r IN ARRAY ARRAY['${ALICE}', '${BOB}', '${CAROL}', '${DANA}', '${REPORTING}'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN EXECUTE format('CREATE ROLE %I NOLOGIN', r); END IF;
      END LOOP;
      -- Other test files may have made carol a scheduler; here she must not be one.
      IF pg_has_role('${CAROL}', 'edgecron_user', 'MEMBER') THEN REVOKE edgecron_user FROM ${CAROL}; END IF;
      IF NOT pg_has_role('${ALICE}', '${REPORTING}', 'MEMBER') THEN GRANT ${REPORTING} TO ${ALICE}; END IF;
    END $$`);
  await sql(`SELECT edgecron.grant_user('${ALICE}'), edgecron.grant_user('${BOB}'), edgecron.grant_user('${DANA}', admin => true),
                    edgecron.grant_executor('${REPORTING}')`);
}

/** Runs queries on one connection, in the session of one role. */
export type RoleQuery = <T extends Record<string, unknown> = Record<string, unknown>>(
  text: string,
  params?: unknown[],
) => Promise<T[]>;

let pool: Pool | undefined;

function rolePool(): Pool {
  const bindings = env as unknown as { TEST_DATABASE_URL: string; EDGECRON_WS_PROXY: string };
  pool ??= createPool({
    url: bindings.TEST_DATABASE_URL,
    wsProxy: bindings.EDGECRON_WS_PROXY,
    max: 2,
    onError: (m) => console.warn(`[test roles] ${m}`),
  });
  return pool;
}

/**
 * Runs `use` with queries sent as `role` (SET ROLE) on a single connection. Afterwards the
 * session is reset (ROLLBACK, DISCARD ALL: role, settings, temporary tables) so nothing the
 * callback left behind reaches another test; a connection that cannot be reset is closed.
 */
export function asRole<T>(role: string, use: (q: RoleQuery) => Promise<T>): Promise<T> {
  return onOneConnection(rolePool(), async (q) => {
    await q(`SELECT set_config('role', $1, false)`, [role]);
    return use(q);
  });
}

/** Runs `use` with queries on one connection of `pool`, then resets the session (see asRole). */
export async function onOneConnection<T>(pool: Pool, use: (q: RoleQuery) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const q: RoleQuery = async <R extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
      (await client.query(text, params)).rows as R[];
    return await use(q);
  } finally {
    try {
      await client.query('ROLLBACK');
      await client.query('DISCARD ALL');
      client.release();
    } catch {
      client.release(true);
    }
  }
}

/** What a failed statement said: its SQLSTATE and message. */
export interface SqlError {
  code: string;
  message: string;
  hint?: string;
}

/** Awaits a statement that must fail and returns its error; a statement that succeeds fails the test. */
export async function sqlError(statement: Promise<unknown>): Promise<SqlError> {
  try {
    await statement;
  } catch (e) {
    const fields = e as { code?: unknown; message?: unknown; hint?: unknown };
    if (typeof fields.code !== 'string') throw e;
    return {
      code: fields.code,
      message: String(fields.message),
      ...(typeof fields.hint === 'string' ? { hint: fields.hint } : {}),
    };
  }
  throw new Error('expected the statement to fail, and it succeeded');
}
