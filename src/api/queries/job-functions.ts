// Mutations go through the SQL functions of drizzle/0002_sql_interface.sql, the single source of
// truth for how keys map to columns and who may do what (docs/job-keys.md). Called inside the
// request's transaction, they run as the token's role; their SQLSTATEs become API errors.
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../context';

async function scalar(tx: Tx, query: SQL): Promise<unknown> {
  const result = await tx.execute<{ value: unknown }>(query);
  return result.rows[0]?.value ?? null;
}

const idOf = (value: unknown): number => Number(value);

/** edgecron.create_job(jsonb): a recurring job; its id. */
export async function createJob(tx: Tx, keys: object): Promise<number> {
  return idOf(await scalar(tx, sql`SELECT edgecron.create_job(${JSON.stringify(keys)}::jsonb) AS value`));
}

/** edgecron.submit_job(jsonb): a one-time job; its id. */
export async function submitJob(tx: Tx, keys: object): Promise<number> {
  return idOf(await scalar(tx, sql`SELECT edgecron.submit_job(${JSON.stringify(keys)}::jsonb) AS value`));
}

/** edgecron.alter_job(id, jsonb): changes the given keys. */
export async function alterJob(tx: Tx, id: number, keys: object): Promise<void> {
  await tx.execute(sql`SELECT edgecron.alter_job(${id}::bigint, ${JSON.stringify(keys)}::jsonb)`);
}

/** edgecron.run_job(id): queues a run now; its run id. */
export async function runJob(tx: Tx, id: number): Promise<number> {
  return idOf(await scalar(tx, sql`SELECT edgecron.run_job(${id}::bigint) AS value`));
}

export type JobAction = 'cancel_job' | 'enable_job' | 'disable_job' | 'unschedule';

/** edgecron.cancel_job / enable_job / disable_job / unschedule (id). */
export async function actOnJob(tx: Tx, action: JobAction, id: number): Promise<void> {
  await tx.execute(sql`SELECT ${sql.raw(`edgecron.${action}`)}(${id}::bigint)`);
}

/** edgecron.pause() / resume(): the database-wide pause (edgecron.settings.paused). */
export async function setPaused(tx: Tx, paused: boolean): Promise<void> {
  await tx.execute(paused ? sql`SELECT edgecron.pause()` : sql`SELECT edgecron.resume()`);
}
