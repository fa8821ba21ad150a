// Drives the master deterministically: the test decides when a slot is due and when the
// master ticks, instead of waiting for real time to pass.
import { env } from 'cloudflare:workers';
import { sql } from './database';

export type Master = ReturnType<typeof masterNamed>;

/** A master Durable Object under its own name; `serve` makes it serve database `main`. */
export function masterNamed(name: string) {
  return env.MASTER.get(env.MASTER.idFromName(name));
}

/** One forced tick of `master` (default: the main one), then waits for the runs it started. */
export async function tick(master: Master = masterNamed('main')): Promise<void> {
  await master.wake('main');
  await master.settle();
}

/** Back to the default settings, with a long poll so background alarms stay out of the way. */
export async function resetSettings(overrides: Record<string, string | number | boolean> = {}): Promise<void> {
  await sql('DELETE FROM edgecron.settings');
  await sql('INSERT INTO edgecron.settings DEFAULT VALUES');
  await setSettings({ poll_interval: '1 hour', ...overrides });
}

export async function setSettings(values: Record<string, string | number | boolean | null>): Promise<void> {
  const keys = Object.keys(values);
  if (keys.length === 0) return;
  await sql(
    `UPDATE edgecron.settings SET ${keys.map((k, i) => `${k} = $${i + 1}`).join(', ')}`,
    Object.values(values),
  );
}

/** Inserts a job with the given columns (plain SQL, as a DBA would) and returns its id. */
export async function createJob(columns: Record<string, unknown>): Promise<number> {
  const keys = Object.keys(columns);
  const [row] = await sql<{ id: string }>(
    `INSERT INTO edgecron.job (${keys.join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    Object.values(columns),
  );
  return Number(row!.id);
}

/** A recurring job that would otherwise not fire for a year, so only the test makes it due. */
export function yearlyJob(columns: Record<string, unknown>): Promise<number> {
  return createJob({ schedule: '0 0 1 1 *', ...columns });
}

/** Makes a job's next slot `secondsAgo` seconds in the past, as if that time had come. */
export async function dueSince(jobId: number, secondsAgo = 0): Promise<Date> {
  const [row] = await sql<{ next_run_at: Date }>(
    `UPDATE edgecron.job SET next_run_at = date_trunc('milliseconds', now()) - $2 * interval '1 second'
      WHERE id = $1 RETURNING next_run_at`,
    [jobId, secondsAgo],
  );
  if (!row) throw new Error(`job ${jobId} not found`);
  return new Date(row.next_run_at);
}

/** A synced job made due now and run by one tick. */
export async function runOnce(jobId: number, master?: Master): Promise<void> {
  await tick(master);
  await dueSince(jobId);
  await tick(master);
}

export interface RunRow {
  id: string;
  job_id: string;
  status: string;
  attempt: number;
  scheduled_for: Date;
  claimed_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  reason: string | null;
  result: { command: string | null; row_count: number | null; rows: Array<Record<string, unknown>>; truncated: boolean } | null;
  error: { message: string; sqlstate?: string; detail?: string; hint?: string } | null;
  fallback: { status: string; error?: { message: string; sqlstate?: string } } | null;
  backend_pid: number | null;
  master_id: string | null;
  role: string | null;
}

export function runsOf(jobId: number): Promise<RunRow[]> {
  return sql<RunRow & Record<string, unknown>>('SELECT * FROM edgecron.run WHERE job_id = $1 ORDER BY id', [jobId]);
}

export async function jobRow(jobId: number): Promise<Record<string, unknown>> {
  const [row] = await sql('SELECT * FROM edgecron.job WHERE id = $1', [jobId]);
  if (!row) throw new Error(`job ${jobId} not found`);
  return row;
}

/** Waits (polling the database) until `check` holds; for states reached by work in flight. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Creates login-less roles (cluster-wide, so idempotently) for jobs owned by them. */
export async function ensureRoles(...roles: string[]): Promise<void> {
  for (const role of roles) {
    await sql(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN; END IF;
    END $$`);
  }
}
