// Leases and lost runs: a live master keeps its runs leased whatever its ticks do, a run is lost
// when its lease expires or its backend is gone, and only the run's own backend is terminated.
import { env } from 'cloudflare:workers';
import type { Pool } from '@neondatabase/serverless';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool } from '../../../src/db/client';
import { resetDatabase, sql } from '../support/database';
import { createJob, eventually, masterNamed, resetSettings, runsOf, setSettings, tick, yearlyJob } from '../support/engine';

const master = () => masterNamed('main');

async function started(jobId: number) {
  return eventually(async () => {
    const [run] = await runsOf(jobId);
    return run?.started_at && run.backend_pid ? run : undefined;
  });
}

async function leaseOf(runId: string): Promise<number> {
  const [row] = await sql<{ lease_until: Date }>('SELECT lease_until FROM edgecron.run WHERE id = $1', [runId]);
  return new Date(row!.lease_until).getTime();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sidePool: Pool | undefined;
/** Connections that play a backend someone else started. */
function side(): Pool {
  const bindings = env as unknown as { TEST_DATABASE_URL: string; EDGECRON_WS_PROXY: string };
  sidePool ??= createPool({ url: bindings.TEST_DATABASE_URL, wsProxy: bindings.EDGECRON_WS_PROXY, max: 2, onError: () => {} });
  return sidePool;
}

/** A run left `running` by a master that is gone, its lease expired, with `backendPid`. */
async function abandonedRun(jobId: number, backendPid: number): Promise<string> {
  const [row] = await sql<{ id: string }>(
    `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, master_id, lease_until, started_at, backend_pid)
     VALUES ($1, 'postgres', now() - interval '1 minute', 'running', 'gone', now() - interval '1 second', now() - interval '1 minute', $2)
     RETURNING id`,
    [jobId, backendPid],
  );
  return row!.id;
}

describe('leases and lost runs', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });
  afterAll(async () => {
    await sidePool?.end();
  });

  it('renews the lease of a running run between ticks', async () => {
    await setSettings({ lease: '3 seconds' });
    const job = await createJob({ command: 'SELECT pg_sleep(2.5)' });
    await master().wake('main');
    const run = await started(job);
    const first = await leaseOf(run.id);
    await sleep(1_500); // no tick in between: the poll interval is an hour
    expect(await leaseOf(run.id)).toBeGreaterThan(first);
    await master().settle();
    expect((await runsOf(job)).map((r) => r.status)).toEqual(['succeeded']);
  });

  it("terminates a lost run's backend found by its recorded pid, whatever database name it was started under", async () => {
    const job = await yearlyJob({ command: 'SELECT 1' });
    const client = await side().connect();
    client.on('error', () => {}); // it is terminated on purpose
    const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    const runId = await abandonedRun(job, pid);
    // The master that started it served this database under another name.
    await client.query(`SELECT set_config('application_name', $1, false)`, [`edgecron elsewhere run ${runId}`]);
    const sleeping = client.query('SELECT pg_sleep(30)').then(
      () => null,
      (e: unknown) => e,
    );
    await eventually(async () => (await sql(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'`, [pid])).length > 0);
    await tick();
    expect(await sleeping).toBeInstanceOf(Error);
    client.release(true);
    const [run] = await sql<{ status: string; reason: string }>('SELECT status, reason FROM edgecron.run WHERE id = $1', [runId]);
    expect(run).toMatchObject({ status: 'lost', reason: expect.stringMatching(/its backend was terminated/) });
    expect(await sql('SELECT pid FROM pg_stat_activity WHERE pid = $1', [pid])).toEqual([]);
  });

  it('does not terminate a backend whose application_name names another run', async () => {
    const job = await yearlyJob({ command: 'SELECT 1' });
    const client = await side().connect();
    try {
      const [{ pid }] = (await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows as [{ pid: number }];
      const runId = await abandonedRun(job, pid);
      // The pid was reused by the session of another run.
      await client.query(`SELECT set_config('application_name', $1, false)`, [`edgecron main run ${runId + 1000}`]);
      await tick();
      const [run] = await sql<{ status: string; reason: string }>('SELECT status, reason FROM edgecron.run WHERE id = $1', [runId]);
      expect(run).toMatchObject({ status: 'lost', reason: expect.stringMatching(/connection is gone/) });
      expect(await sql('SELECT pid FROM pg_stat_activity WHERE pid = $1', [pid])).toHaveLength(1);
    } finally {
      client.release();
    }
  });

  it('keeps a run leased until its end is written, and records that end', async () => {
    await setSettings({ lease: '3 seconds' });
    await sql('CREATE TABLE IF NOT EXISTS public.unrecordable (job_id bigint)');
    await sql('TRUNCATE public.unrecordable');
    await sql(`CREATE OR REPLACE FUNCTION public.refuse_end() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status = 'running' AND NEW.status <> OLD.status AND EXISTS (SELECT FROM public.unrecordable u WHERE u.job_id = NEW.job_id) THEN
          RAISE EXCEPTION 'the end of run % cannot be written now', NEW.id;
        END IF;
        RETURN NEW;
      END $$`);
    await sql('CREATE OR REPLACE TRIGGER refuse_end BEFORE UPDATE ON edgecron.run FOR EACH ROW EXECUTE FUNCTION public.refuse_end()');
    try {
      const logged = vi.spyOn(console, 'log');
      const job = await createJob({ command: 'SELECT pg_sleep(0.2)' });
      await sql('INSERT INTO public.unrecordable VALUES ($1)', [job]);
      await master().wake('main');
      const run = await started(job);
      await sleep(600); // its command is over; its end could not be written
      const afterCommand = await leaseOf(run.id);
      await sleep(1_500);
      expect(await leaseOf(run.id)).toBeGreaterThan(afterCommand);
      expect((await runsOf(job)).map((r) => r.status)).toEqual(['running']);
      // The master says why, without the query or its values (drizzle's wrapper holds both).
      const lines = logged.mock.calls.map((call) => call.join(' ')).filter((line) => line.includes('could not record'));
      expect(lines[0]).toMatch(/could not record 1 run end\(s\) yet: database error P0001: the end of run \d+ cannot be written now/);
      expect(lines.join('\n')).not.toMatch(/Failed query|params:/);
      logged.mockRestore();
      await sql('TRUNCATE public.unrecordable');
      await tick();
      expect((await runsOf(job)).map((r) => [r.attempt, r.status])).toEqual([[1, 'succeeded']]);
    } finally {
      await sql('DROP TRIGGER IF EXISTS refuse_end ON edgecron.run');
    }
  });

  it('keeps a run that resets its own application_name (RESET ALL, SET application_name): it is not taken for gone', async () => {
    await setSettings({ lease: '3 seconds' });
    const job = await createJob({ command: `RESET ALL; SET application_name = 'my report'; SELECT pg_sleep(2.5)` });
    await master().wake('main');
    await master().settle();
    const runs = await runsOf(job);
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([[1, 'succeeded']]);
  });

  it('ends a run lost when its backend is gone while its master still renews the lease', async () => {
    await setSettings({ lease: '3 seconds' });
    // Its pid comes to name another run, as if its backend were gone behind a half-open
    // connection and the pid reused.
    const job = await createJob({
      command: `SELECT CASE WHEN (SELECT count(*) FROM edgecron.run WHERE job_id = current_setting('edgecron.job_id')::bigint) > 1
                  THEN 0 ELSE (SELECT 1 FROM (SELECT set_config('application_name', 'edgecron main run 999999', false), pg_sleep(4)) AS s) END`,
      max_attempts: 2,
      retry_backoff: '10 milliseconds',
    });
    await master().wake('main');
    await eventually(async () => (await runsOf(job))[0]?.status === 'lost', 3_500);
    await tick();
    const runs = await runsOf(job);
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'lost'],
      [2, 'succeeded'],
    ]);
    expect(runs[0]?.reason).toMatch(/backend is gone/);
  });
});
