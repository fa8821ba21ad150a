// Direct SQL access for tests, over the same driver and proxy as the Worker.
import { env } from 'cloudflare:workers';
import type { Pool } from '@neondatabase/serverless';
import { createPool } from '../../../src/db/client';

let pool: Pool | undefined;

function testPool(): Pool {
  const bindings = env as unknown as { TEST_DATABASE_URL: string; EDGECRON_WS_PROXY: string };
  pool ??= createPool({
    url: bindings.TEST_DATABASE_URL,
    wsProxy: bindings.EDGECRON_WS_PROXY,
    max: 4,
    onError: (m) => console.warn(`[test db] ${m}`),
  });
  return pool;
}

/** Runs one statement as the superuser the tests connect as, returning its rows. */
export async function sql<T extends Record<string, unknown> = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const result = await testPool().query(text, params);
  return result.rows as T[];
}

/**
 * Empties the job, run, queue and heartbeat tables and puts the settings back to their
 * defaults, so each test starts from nothing whatever the previous test file left.
 */
export async function resetDatabase(): Promise<void> {
  await sql('TRUNCATE edgecron.job, edgecron.run, edgecron.queue, edgecron.master_heartbeat RESTART IDENTITY CASCADE');
  await sql('DELETE FROM edgecron.settings');
  await sql('INSERT INTO edgecron.settings DEFAULT VALUES');
}
