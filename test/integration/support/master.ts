import { env } from 'cloudflare:workers';
import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  waitOnExecutionContext,
} from 'cloudflare:test';
import worker from '../../../src/index';
import { sql } from './database';

/** The stub of the master serving the `main` database. */
export function mainMaster() {
  return env.MASTER.get(env.MASTER.idFromName('main'));
}

/** Fires the master's alarm now (as the platform would when it is due) and waits for the runs it started. */
export async function fireAlarm(): Promise<boolean> {
  const master = mainMaster();
  const ran = await runDurableObjectAlarm(master);
  await master.settle();
  return ran;
}

/**
 * Fires the Worker's cron trigger, the watchdog: every database's master serves it and has its
 * alarm set. A master already armed is left alone (it does not tick).
 */
export async function fireCronTrigger(): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: '* * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** The master's next tick, now: the watchdog makes sure it serves `main`, then its alarm fires. */
export async function nextTick(): Promise<void> {
  await fireCronTrigger();
  await fireAlarm();
}

/** Moves a job's due slot one minute back, as if that minute had come. Returns the slot. */
export async function makeDue(jobId: number): Promise<Date> {
  const [row] = await sql<{ next_run_at: Date }>(
    `UPDATE edgecron.job SET next_run_at = next_run_at - interval '1 minute' WHERE id = $1 RETURNING next_run_at`,
    [jobId],
  );
  if (!row) throw new Error(`job ${jobId} not found`);
  return new Date(row.next_run_at);
}

/** Inserts a recurring job with plain SQL, as a DBA would, and returns its id. */
export async function insertJob(name: string, schedule: string, command: string): Promise<number> {
  const [row] = await sql<{ id: string }>(
    'INSERT INTO edgecron.job (name, schedule, command) VALUES ($1, $2, $3) RETURNING id',
    [name, schedule, command],
  );
  return Number(row!.id);
}
