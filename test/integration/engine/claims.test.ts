import { runDurableObjectAlarm } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { fireCronTrigger } from '../support/master';
import { createJob, masterNamed, resetSettings, runsOf, setSettings, tick, yearlyJob } from '../support/engine';

// Each execution writes a row here, so a slot that ran twice would show up even though its
// run row is unique by construction.
async function resetExecutionLog(): Promise<void> {
  await sql('CREATE TABLE IF NOT EXISTS public.exec_log (job_id bigint, run_id bigint, at timestamptz DEFAULT clock_timestamp())');
  await sql('TRUNCATE public.exec_log');
}
const LOG_EXECUTION = `INSERT INTO public.exec_log (job_id, run_id)
  VALUES (current_setting('edgecron.job_id')::bigint, current_setting('edgecron.run_id')::bigint)`;

describe('claiming slots', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
    await resetExecutionLog();
  });

  it('runs each slot once when two masters, the watchdog and retried alarms tick at once', async () => {
    const a = masterNamed('main');
    const b = masterNamed('second-deployment');
    const jobs: number[] = [];
    for (let i = 0; i < 60; i++) jobs.push(await yearlyJob({ name: `race-${i}`, command: LOG_EXECUTION }));
    await Promise.all([a.wake('main'), b.wake('main')]);
    await sql(`UPDATE edgecron.job SET next_run_at = date_trunc('second', now()) - interval '1 second'`);

    await Promise.all([
      a.wake('main'),
      b.wake('main'),
      runDurableObjectAlarm(a),
      runDurableObjectAlarm(b),
      fireCronTrigger(),
      a.wake('main'),
      b.wake('main'),
    ]);
    await Promise.all([a.settle(), b.settle()]);

    const executions = await sql<{ job_id: string; n: string }>(
      'SELECT job_id, count(*) AS n FROM public.exec_log GROUP BY job_id',
    );
    expect(executions).toHaveLength(60);
    expect(executions.every((e) => Number(e.n) === 1)).toBe(true);
    const runs = await sql<{ n: string }>(`SELECT count(*) AS n FROM edgecron.run WHERE status = 'succeeded'`);
    expect(Number(runs[0]!.n)).toBe(60);
    const masters = await sql<{ master_id: string }>('SELECT DISTINCT master_id FROM edgecron.run');
    expect(masters.length).toBeGreaterThanOrEqual(1);
  });

  it('sees a job inserted with SQL on the next tick and claims its slot ahead, starting it at the instant', async () => {
    const job = await createJob({ name: 'next-second', schedule: '* * * * * *', command: 'SELECT clock_timestamp() AS at' });
    await tick();
    const [synced] = await sql<{ next_run_at: Date }>('SELECT next_run_at FROM edgecron.job WHERE id = $1', [job]);
    expect(synced!.next_run_at).not.toBeNull();
    expect(new Date(synced!.next_run_at).getMilliseconds()).toBe(0);

    // A tick inside the lookahead window claims the slot and the run waits for its instant.
    await eventually(async () => (await runsOf(job)).some((r) => r.status === 'succeeded'));
    const run = (await runsOf(job)).find((r) => r.status === 'succeeded')!;
    const at = new Date(run.result!.rows[0]!.at as string).getTime();
    expect(at).toBeGreaterThanOrEqual(new Date(run.scheduled_for).getTime());
    expect(new Date(run.started_at!).getTime()).toBeGreaterThanOrEqual(new Date(run.scheduled_for).getTime());
  });

  it('claims a backlog larger than one batch in a single tick', async () => {
    await setSettings({ claim_batch: 100, parallelism: 16 });
    await sql(`INSERT INTO edgecron.job (name, schedule, command)
               SELECT 'bulk-' || i, '0 0 1 1 *', 'SELECT 1' FROM generate_series(1, 450) AS i`);
    await tick();
    await sql(`UPDATE edgecron.job SET next_run_at = now() - interval '1 second'`);
    await tick();
    const counts = await sql<{ status: string; n: string }>('SELECT status, count(*) AS n FROM edgecron.run GROUP BY status');
    expect(counts).toEqual([{ status: 'succeeded', n: '450' }]);
  });

  it('records no run and keeps nothing due while the database is paused, and applies the misfire policy on resume', async () => {
    await setSettings({ paused: true });
    const job = await createJob({ name: 'paused', schedule: '* * * * *', command: 'SELECT 1' });
    await tick();
    await sql(`UPDATE edgecron.job SET next_run_at = date_trunc('minute', now()) - interval '3 minutes' WHERE id = $1`, [job]);
    await tick();
    expect(await runsOf(job)).toEqual([]);

    await setSettings({ paused: false });
    await tick();
    const runs = await runsOf(job);
    expect(runs.map((r) => r.status)).toEqual(['missed', 'missed', 'missed', 'succeeded']);
  });
});

async function eventually<T>(check: () => Promise<T | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
