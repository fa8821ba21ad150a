import { abortAllDurableObjects } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { createJob, eventually, masterNamed, resetSettings, runsOf, setSettings, tick } from '../support/engine';

// Sleeps only on its first attempt, so a retry finishes at once.
const SLEEP_FIRST_ATTEMPT = `SELECT pg_sleep(CASE WHEN (SELECT count(*) FROM edgecron.run
  WHERE job_id = current_setting('edgecron.job_id')::bigint) > 1 THEN 0 ELSE 30 END)`;

async function startedRun(jobId: number) {
  return eventually(async () => {
    const [run] = await runsOf(jobId);
    return run?.started_at && run.backend_pid ? run : undefined;
  });
}

describe('never losing a run', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it('ends a run whose backend was terminated as lost, and retries it', async () => {
    const job = await createJob({ command: SLEEP_FIRST_ATTEMPT, max_attempts: 2, retry_backoff: '10 milliseconds' });
    await masterNamed('main').wake('main');
    const run = await startedRun(job);
    await sql('SELECT pg_terminate_backend($1)', [run.backend_pid]);
    await masterNamed('main').settle();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await tick();
    const runs = await runsOf(job);
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'lost'],
      [2, 'succeeded'],
    ]);
    expect(runs[0]?.reason).toMatch(/connection closed/);
  });

  it('leaves no run running after its master restarted mid-run: lost once its lease expired, then retried', async () => {
    const job = await createJob({ command: SLEEP_FIRST_ATTEMPT, max_attempts: 2, retry_backoff: '10 milliseconds' });
    await masterNamed('main').wake('main');
    const run = await startedRun(job);
    await abortAllDurableObjects();

    // The new instance sees the run still leased: it is left alone until the lease expires.
    await tick();
    expect((await runsOf(job))[0]?.status).toBe('running');
    await sql(`UPDATE edgecron.run SET lease_until = now() - interval '1 second' WHERE id = $1`, [run.id]);
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await tick();

    const runs = await runsOf(job);
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'lost'],
      [2, 'succeeded'],
    ]);
    expect(runs[0]?.reason).toMatch(/stopped renewing its lease/);
    const backends = await sql(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [`edgecron main run ${run.id}`]);
    expect(backends).toEqual([]);
  });

  it('renews the leases of its running runs', async () => {
    await setSettings({ lease: '3 seconds' });
    const job = await createJob({ command: 'SELECT pg_sleep(2.5)' });
    await masterNamed('main').wake('main');
    const run = await startedRun(job);
    const first = new Date((await sql<{ lease_until: Date }>('SELECT lease_until FROM edgecron.run WHERE id = $1', [run.id]))[0]!.lease_until);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await masterNamed('main').wake('main');
    const renewed = new Date((await sql<{ lease_until: Date }>('SELECT lease_until FROM edgecron.run WHERE id = $1', [run.id]))[0]!.lease_until);
    expect(renewed.getTime()).toBeGreaterThan(first.getTime());
    await masterNamed('main').settle();
    expect((await runsOf(job))[0]?.status).toBe('succeeded');
  });

  it('keeps a heartbeat readable in SQL and through status()', async () => {
    await createJob({ schedule: '0 0 1 1 *', command: 'SELECT 1' });
    const master = masterNamed(`beating-${Date.now()}`);
    await tick(master);
    const [beat] = await sql<Record<string, unknown>>('SELECT * FROM edgecron.master_heartbeat WHERE master_id = $1', [
      (await master.status()).masterId,
    ]);
    expect(beat).toMatchObject({ database: 'main', running: 0 });
    const status = await master.status();
    expect(status).toMatchObject({ database: 'main', running: 0, paused: false });
    expect(status.masterId).toBe(beat!.master_id);
    expect(status.nextDue).not.toBeNull();
  });

  it('purges history beyond retention_max_runs, oldest first', async () => {
    const job = await createJob({ schedule: '0 0 1 1 *', command: 'SELECT 1' });
    await sql(`INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at)
               SELECT $1, 'postgres', now() - (51 - i) * interval '1 minute', 'succeeded', now() - (51 - i) * interval '1 minute'
                 FROM generate_series(1, 50) AS i`, [job]);
    await setSettings({ retention_max_runs: 10 });
    await tick(masterNamed(`fresh-${Date.now()}`)); // a new master purges on its first tick
    const [kept] = await sql<{ n: string; newest: Date }>('SELECT count(*) AS n, max(scheduled_for) AS newest FROM edgecron.run');
    expect(Number(kept!.n)).toBe(10);
    const [oldestKept] = await sql<{ n: string }>(`SELECT count(*) AS n FROM edgecron.run WHERE scheduled_for < now() - interval '10 minutes 30 seconds'`);
    expect(Number(oldestKept!.n)).toBe(0);
  });

  it('purges finished runs older than retention_age and keeps unfinished ones', async () => {
    const job = await createJob({ schedule: '0 0 1 1 *', command: 'SELECT 1' });
    await sql(`INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at) VALUES
                 ($1, 'postgres', now() - interval '3 days', 'succeeded', now() - interval '3 days'),
                 ($1, 'postgres', now() - interval '1 hour', 'failed', now() - interval '1 hour'),
                 ($1, 'postgres', now() - interval '3 days' + interval '1 second', 'queued', NULL)`, [job]);
    await setSettings({ retention_age: '1 day' });
    await tick(masterNamed(`fresh-${Date.now()}`));
    const kept = await sql<{ status: string }>('SELECT status FROM edgecron.run ORDER BY id');
    expect(kept.map((r) => r.status)).toEqual(['failed', expect.stringMatching(/queued|running|succeeded/)]);
  });

  it('purges finished one-time jobs older than retention_age, but not one a waiting job depends on', async () => {
    const old = await createJob({ command: 'SELECT 1' });
    const needed = await createJob({ command: 'SELECT 2' });
    const recent = await createJob({ command: 'SELECT 3' });
    await sql(`UPDATE edgecron.job SET state = 'done', last_finished_at = now() - interval '3 days' WHERE id IN ($1, $2)`, [old, needed]);
    await sql(`UPDATE edgecron.job SET state = 'done', last_finished_at = now() - interval '1 hour' WHERE id = $1`, [recent]);
    await sql(`INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at)
               VALUES ($1, 'postgres', now() - interval '3 days', 'succeeded', now() - interval '3 days')`, [needed]);
    const pending = await createJob({ command: 'SELECT 5', run_after: new Date(Date.now() + 86_400_000).toISOString() });
    await createJob({ command: 'SELECT 4', depends_on: `{${needed}, ${pending}}` });
    await setSettings({ retention_age: '1 day', paused: true });
    await tick(masterNamed(`fresh-${Date.now()}`));
    const left = await sql<{ id: string }>('SELECT id FROM edgecron.job WHERE id = ANY($1) ORDER BY id', [[old, needed, recent]]);
    expect(left.map((r) => Number(r.id))).toEqual([needed, recent]);
    // ... nor the run that says the dependency succeeded.
    expect((await runsOf(needed)).map((r) => r.status)).toEqual(['succeeded']);
  });

  it('makes no database round trip in scale-to-zero mode while nothing is due', async () => {
    await setSettings({ scale_to_zero: true, sync_interval: '15 minutes' });
    await createJob({ schedule: '0 0 1 1 *', command: 'SELECT 1' });
    const master = masterNamed(`sleepy-${Date.now()}`);
    await master.wake('main');
    const status = await master.status();
    const [before] = await sql<{ last_tick_at: Date }>('SELECT last_tick_at FROM edgecron.master_heartbeat WHERE master_id = $1', [status.masterId]);
    const alarmIn = new Date(status.nextAlarm!).getTime() - Date.now();
    expect(alarmIn).toBeGreaterThan(14 * 60_000);

    const { runDurableObjectAlarm } = await import('cloudflare:test');
    await runDurableObjectAlarm(master);
    const [after] = await sql<{ last_tick_at: Date }>('SELECT last_tick_at FROM edgecron.master_heartbeat WHERE master_id = $1', [status.masterId]);
    expect(new Date(after!.last_tick_at).getTime()).toBe(new Date(before!.last_tick_at).getTime());
  });
});
