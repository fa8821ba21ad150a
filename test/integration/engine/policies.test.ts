import { beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { createJob, dueSince, jobRow, resetSettings, runsOf, setSettings, tick, yearlyJob } from '../support/engine';

/** The most runs of `jobIds` that were running at the same moment. */
async function maxConcurrent(jobIds: number[]): Promise<number> {
  const [row] = await sql<{ n: string }>(
    `SELECT coalesce(max(n), 0) AS n FROM (
       SELECT (SELECT count(*) FROM edgecron.run AS o
                WHERE o.job_id = ANY($1) AND o.started_at <= r.started_at AND o.finished_at > r.started_at) AS n
         FROM edgecron.run AS r WHERE r.job_id = ANY($1) AND r.started_at IS NOT NULL) AS concurrent`,
    [jobIds],
  );
  return Number(row!.n);
}

describe('concurrency and policies', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it('runs at most `parallelism` runs at once and the rest wait queued, then all run', async () => {
    await setSettings({ parallelism: 2 });
    const jobs: number[] = [];
    for (let i = 0; i < 6; i++) jobs.push(await yearlyJob({ command: 'SELECT pg_sleep(0.15)' }));
    await tick();
    await sql(`UPDATE edgecron.job SET next_run_at = now()`);
    await tick();
    const statuses = await sql<{ status: string }>('SELECT status FROM edgecron.run');
    expect(statuses).toHaveLength(6);
    expect(statuses.every((s) => s.status === 'succeeded')).toBe(true);
    expect(await maxConcurrent(jobs)).toBe(2);
  });

  it('records a slot as skipped while the previous run is unfinished (overlap skip)', async () => {
    const job = await yearlyJob({ command: 'SELECT pg_sleep(0.6)' });
    await tick();
    await dueSince(job);
    const master = (await import('../support/engine')).masterNamed('main');
    await master.wake('main'); // starts the first run and returns while it sleeps
    await dueSince(job);
    await tick();
    const runs = await runsOf(job);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'skipped']);
    expect(runs[1]?.reason).toMatch(/still unfinished \(max_instances 1\)/);
  });

  it('queues a slot behind the unfinished run with overlap queue, and runs it after', async () => {
    const job = await yearlyJob({ command: 'SELECT pg_sleep(0.4)', overlap: 'queue' });
    await tick();
    await dueSince(job);
    const master = (await import('../support/engine')).masterNamed('main');
    await master.wake('main');
    await dueSince(job);
    await tick();
    const runs = await runsOf(job);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(new Date(runs[1]!.started_at!).getTime()).toBeGreaterThanOrEqual(new Date(runs[0]!.finished_at!).getTime());
  });

  it('lets max_instances runs of a job overlap', async () => {
    const job = await yearlyJob({ command: 'SELECT pg_sleep(0.4)', max_instances: 2 });
    await tick();
    await dueSince(job, 1);
    const master = (await import('../support/engine')).masterNamed('main');
    await master.wake('main');
    await dueSince(job);
    await tick();
    expect((await runsOf(job)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(await maxConcurrent([job])).toBe(2);
  });

  it("keeps a named queue's runs within its max_running", async () => {
    await sql(`INSERT INTO edgecron.queue (name, max_running) VALUES ('reports', 1)`);
    const jobs = [
      await yearlyJob({ command: 'SELECT pg_sleep(0.15)', queue: 'reports' }),
      await yearlyJob({ command: 'SELECT pg_sleep(0.15)', queue: 'reports' }),
      await yearlyJob({ command: 'SELECT pg_sleep(0.15)', queue: 'reports' }),
    ];
    await tick();
    await sql(`UPDATE edgecron.job SET next_run_at = now()`);
    await tick();
    expect(await maxConcurrent(jobs)).toBe(1);
    expect((await sql(`SELECT status FROM edgecron.run WHERE status <> 'succeeded'`))).toEqual([]);
  });

  it('starts waiting runs by priority, highest first', async () => {
    await setSettings({ parallelism: 1 });
    const low = await yearlyJob({ command: 'SELECT pg_sleep(0.05)', priority: 1 });
    const high = await yearlyJob({ command: 'SELECT pg_sleep(0.05)', priority: 9 });
    const mid = await yearlyJob({ command: 'SELECT pg_sleep(0.05)', priority: 5 });
    await tick();
    await sql(`UPDATE edgecron.job SET next_run_at = now()`);
    await tick();
    const order = await sql<{ job_id: string }>('SELECT job_id FROM edgecron.run ORDER BY started_at');
    expect(order.map((r) => Number(r.job_id))).toEqual([high, mid, low]);
  });

  it('expires a run that could not start within its max_wait', async () => {
    await setSettings({ parallelism: 1 });
    const blocker = await yearlyJob({ command: 'SELECT pg_sleep(0.5)', priority: 9 });
    const impatient = await yearlyJob({ command: 'SELECT 1', max_wait: '100 milliseconds' });
    await tick();
    await sql(`UPDATE edgecron.job SET next_run_at = now()`);
    await tick();
    expect((await runsOf(blocker))[0]?.status).toBe('succeeded');
    const [run] = await runsOf(impatient);
    expect(run?.status).toBe('expired');
    expect(run?.reason).toMatch(/max_wait/);
  });

  it('runs every missed slot after downtime with misfire run_all, oldest first, up to misfire_cap', async () => {
    const job = await createJob({ schedule: '* * * * *', command: 'SELECT 1', misfire: 'run_all', misfire_cap: 3 });
    await tick();
    await sql(`UPDATE edgecron.job SET next_run_at = date_trunc('minute', now()) - interval '4 minutes' WHERE id = $1`, [job]);
    await tick();
    const runs = await runsOf(job);
    // Slots from four minutes ago to the current minute: five, or six if a minute began between
    // the UPDATE and the tick. The newest three run, the older ones are recorded missed.
    const slots = runs.map((r) => new Date(r.scheduled_for).getTime()).sort((a, b) => a - b);
    expect([5, 6]).toContain(runs.length);
    expect(slots.map((t) => t - slots[0]!)).toEqual(slots.map((_, i) => i * 60_000));
    const byTime = [...runs].sort((a, b) => new Date(a.scheduled_for).getTime() - new Date(b.scheduled_for).getTime());
    expect(byTime.map((r) => r.status)).toEqual([...Array(runs.length - 3).fill('missed'), 'succeeded', 'succeeded', 'succeeded']);
  });

  it('records every missed slot and runs none with misfire skip, then continues on schedule', async () => {
    const job = await createJob({ schedule: '* * * * *', command: 'SELECT 1', misfire: 'skip' });
    await tick();
    await sql(`UPDATE edgecron.job SET next_run_at = date_trunc('minute', now()) - interval '2 minutes' WHERE id = $1`, [job]);
    await tick();
    // Three slots (two minutes ago to now), or four if a minute began meanwhile: all missed.
    const statuses = (await runsOf(job)).map((r) => r.status);
    expect([3, 4]).toContain(statuses.length);
    expect(new Set(statuses)).toEqual(new Set(['missed']));
    const next = new Date((await jobRow(job)).next_run_at as Date).getTime();
    expect(next).toBeGreaterThan(Date.now() - 1000);
  });

  it('retries a failing run with backoff, each attempt its own run, then counts one failure', async () => {
    const job = await yearlyJob({ command: 'SELECT 1/0', max_attempts: 3, retry_backoff: '10 milliseconds' });
    await tick();
    await dueSince(job);
    await tick();
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      await tick();
    }
    const runs = await runsOf(job);
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
    ]);
    expect(new Set(runs.map((r) => new Date(r.scheduled_for).toISOString())).size).toBe(1);
    expect(runs[1]?.reason).toMatch(/retry 2 after the run failed/);
    expect(await jobRow(job)).toMatchObject({ consecutive_failures: 1, state: 'active' });
  });

  it('breaks a job after broken_after consecutive failed runs, and a success resets the count', async () => {
    await sql('CREATE TABLE IF NOT EXISTS public.policy_switch (fail boolean)');
    await sql('TRUNCATE public.policy_switch');
    await sql('INSERT INTO public.policy_switch VALUES (true)');
    const job = await yearlyJob({
      command: 'SELECT 1 / (CASE WHEN fail THEN 0 ELSE 1 END) FROM public.policy_switch',
      broken_after: 2,
    });
    await tick();
    await dueSince(job);
    await tick();
    expect(await jobRow(job)).toMatchObject({ consecutive_failures: 1, state: 'active' });
    await sql('UPDATE public.policy_switch SET fail = false');
    await dueSince(job);
    await tick();
    expect(await jobRow(job)).toMatchObject({ consecutive_failures: 0 });
    await sql('UPDATE public.policy_switch SET fail = true');
    await dueSince(job);
    await tick();
    await dueSince(job);
    await tick();
    const row = await jobRow(job);
    expect(row).toMatchObject({ state: 'broken', consecutive_failures: 2, next_run_at: null });
    expect(row.broken_reason).toMatch(/broken after 2 consecutive failed runs/);
  });

  it('stops scheduling a disabled job and resumes when it is enabled again', async () => {
    const job = await createJob({ schedule: '* * * * *', command: 'SELECT 1' });
    await tick();
    await sql('UPDATE edgecron.job SET enabled = false WHERE id = $1', [job]);
    await tick();
    expect(await jobRow(job)).toMatchObject({ next_run_at: null });
    await sql('UPDATE edgecron.job SET enabled = true WHERE id = $1', [job]);
    await tick();
    expect((await jobRow(job)).next_run_at).not.toBeNull();
  });
});
