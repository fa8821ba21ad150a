// Sessions of roles that log in themselves, instead of the superuser's SET ROLE that asRole
// uses. It matters where PostgreSQL judges the session's login: SET ROLE is allowed by what
// the *login* may become (a superuser may become anyone), LOCK TABLE and the functions that act
// for the session's role. Also the "exec" database, whose executor is no superuser
// (test/setup/executor-database.ts).
import { env } from 'cloudflare:workers';
import type { Pool } from '@neondatabase/serverless';
import { createPool } from '../../../src/db/client';
import { sql } from './database';
import { onOneConnection, type RoleQuery } from './roles';

const bindings = env as unknown as { TEST_DATABASE_URL: string; TEST_EXEC_DATABASE_URL: string; EDGECRON_WS_PROXY: string };

/** The executor of database "exec": a LOGIN CREATEROLE role, no superuser, owner of its edgecron tables. */
export const EXEC_EXECUTOR = 'edgecron_exec';

const passwordOf = (role: string) => `${role}-login-test`;

/** Lets `roles` log in (cluster-wide; idempotent). */
export async function ensureLogins(...roles: string[]): Promise<void> {
  for (const role of roles) await sql(`ALTER ROLE ${role} LOGIN PASSWORD '${passwordOf(role)}'`);
}

const pools = new Map<string, Pool>();

function poolFor(role: string | null, database: 'main' | 'exec'): Pool {
  const key = `${role ?? ''}@${database}`;
  let pool = pools.get(key);
  if (!pool) {
    const url = new URL(database === 'main' ? bindings.TEST_DATABASE_URL : bindings.TEST_EXEC_DATABASE_URL);
    if (role !== null) {
      url.username = role;
      url.password = passwordOf(role);
    }
    pool = createPool({ url: url.toString(), wsProxy: bindings.EDGECRON_WS_PROXY, max: 2, onError: (m) => console.warn(`[test login ${key}] ${m}`) });
    pools.set(key, pool);
  }
  return pool;
}

/** Runs `use` on one connection logged in as `role` (see ensureLogins), in database main or exec. */
export function asLogin<T>(role: string, use: (q: RoleQuery) => Promise<T>, database: 'main' | 'exec' = 'main'): Promise<T> {
  return onOneConnection(poolFor(role, database), use);
}

/** Runs `use` on one connection of database exec as its executor, the owner of its edgecron tables. */
export function asExecutor<T>(use: (q: RoleQuery) => Promise<T>): Promise<T> {
  return onOneConnection(poolFor(null, 'exec'), use);
}

/** One statement in database exec as its executor. */
export function execSql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return asExecutor((q) => q<T>(text, params));
}
