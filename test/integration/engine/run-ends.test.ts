// Every end of a run goes through the same finishing step (retries, failure counts, the job's
// state, dependents), whether the executor reported it, the run expired or a user canceled it.
import { beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { ALICE, asRole, ensureTestRoles } from '../support/roles';
import { createJob, dueSince, eventually, jobRow, masterNamed, resetSettings, runsOf, setSettings, tick, yearlyJob } from '../support/engine';

async function started(jobId: number) {
  return eventually(async () => {
    const [run] = await runsOf(jobId);
    return run?.started_at && run.backend_pid ? run : undefined;
  });
}

describe('the end of every run', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it('releases a dependent once, while its run is queued or running', async () => {
    const first = await createJob({ command: 'SELECT 1' });
    const dependent = await createJob({ command: 'SELECT pg_sleep(1)', depends_on: `{${first}}`, max_instances: 2 });
    const master = masterNamed('main');
    await tick(); // the first job runs and releases its dependent
    await master.wake('main');
    await started(dependent);
    for (let i = 0; i < 3; i++) await master.wake('main');
    await master.settle();
    await tick();
    expect((await runsOf(dependent)).map((r) => r.status)).toEqual(['succeeded']);
    expect(await jobRow(dependent)).toMatchObject({ state: 'done', next_run_at: null });
  });

  it('expires a waiting run at its deadline even while every slot is taken', async () => {
    await setSettings({ parallelism: 1 });
    const blocker = await createJob({ command: 'SELECT pg_sleep(1.5)', priority: 9 });
    const master = masterNamed('main');
    await master.wake('main');
    await started(blocker);
    const impatient = await createJob({ command: 'SELECT 1', max_wait: '100 milliseconds' });
    await master.wake('main'); // claims it: it waits for the only slot
    expect((await runsOf(impatient)).map((r) => r.status)).toEqual(['queued']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await master.wake('main');
    expect((await runsOf(impatient)).map((r) => r.status)).toEqual(['expired']);
    expect((await runsOf(blocker)).map((r) => r.status)).toEqual(['running']);
    await master.settle();
  });

  it('finishes an expired run like any other end: the one-time job is done and its dependents fail', async () => {
    await setSettings({ parallelism: 1 });
    const blocker = await createJob({ command: 'SELECT pg_sleep(0.5)', priority: 9 });
    const impatient = await createJob({ command: 'SELECT 1', max_wait: '100 milliseconds' });
    const dependent = await createJob({ command: 'SELECT 1', depends_on: `{${impatient}}` });
    await tick();
    await tick();
    expect((await runsOf(blocker)).map((r) => r.status)).toEqual(['succeeded']);
    const [run] = await runsOf(impatient);
    expect(run).toMatchObject({ status: 'expired', reason: expect.stringMatching(/max_wait/) });
    expect(await jobRow(impatient)).toMatchObject({ state: 'done', next_run_at: null, consecutive_failures: 1 });
    expect((await runsOf(dependent)).map((r) => [r.status, r.reason])).toEqual([
      ['dependency_failed', expect.stringContaining(`job ${impatient} ended expired`)],
    ]);
    const [waiting] = await sql<{ waiting: boolean }>(
      `SELECT EXISTS (SELECT FROM edgecron.job WHERE depends_on IS NOT NULL AND state = 'active' AND next_run_at IS NULL) AS waiting`,
    );
    expect(waiting?.waiting).toBe(false);
  });

  it('gives a job whose next time comes from SQL its next slot, or a reason, when its run expired before the SQL ran', async () => {
    await setSettings({ parallelism: 1 });
    const blocker = await createJob({ command: 'SELECT pg_sleep(1)', priority: 9 });
    const master = masterNamed('main');
    await master.wake('main');
    await started(blocker);
    // A recurring job (yearly) whose next time a next_time_statement gives, and a one-time job
    // that repeats by its interval_expression (hg_job's kind): both expire waiting for the slot.
    const recurring = await yearlyJob({
      command: 'SELECT 1',
      next_time_statement: `SELECT now() + interval '1 minute'`,
      max_wait: '100 milliseconds',
    });
    const repeating = await createJob({ command: 'SELECT 1', interval_expression: `now() + interval '1 minute'`, max_wait: '100 milliseconds' });
    await master.wake('main');
    await dueSince(recurring);
    await master.wake('main');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await master.wake('main');
    await master.settle();
    expect((await runsOf(recurring)).map((r) => r.status)).toEqual(['expired']);
    expect((await runsOf(repeating)).map((r) => r.status)).toEqual(['expired']);
    const [{ next }] = (await sql<{ next: Date }>(`SELECT date_trunc('year', now()) + interval '1 year' AS next`)) as [{ next: Date }];
    expect(await jobRow(recurring)).toMatchObject({ state: 'active', next_run_at: next });
    expect(await jobRow(repeating)).toMatchObject({
      state: 'broken',
      broken_reason: 'its run ended expired before its interval_expression gave the next time; enable the job to run it again',
    });
  });

  it('counts an expired run towards broken_after and retries it while attempts remain', async () => {
    await setSettings({ parallelism: 1 });
    const blocker = await createJob({ command: 'SELECT pg_sleep(30)', priority: 9 });
    const master = masterNamed('main');
    await master.wake('main');
    await started(blocker);
    const retried = await createJob({ command: 'SELECT 1', max_wait: '1 second', max_attempts: 2, retry_backoff: '10 milliseconds' });
    const breaks = await yearlyJob({ command: 'SELECT 1', max_wait: '1 second', broken_after: 1 });
    await master.wake('main');
    await sql(`UPDATE edgecron.job SET next_run_at = now() WHERE id = $1`, [breaks]);
    await master.wake('main');
    await eventually(async () => (await runsOf(retried)).length === 2 && (await runsOf(breaks))[0]?.status === 'expired', 5_000);
    // The retry has a deadline of its own: the slot frees in time for it.
    await sql('SELECT edgecron.cancel_job($1)', [blocker]);
    await tick();
    await tick();
    expect((await runsOf(retried)).map((r) => [r.attempt, r.status])).toEqual([
      [1, 'expired'],
      [2, 'succeeded'],
    ]);
    expect((await runsOf(breaks)).map((r) => r.status)).toEqual(['expired']);
    const row = await jobRow(breaks);
    expect(row).toMatchObject({ state: 'broken', consecutive_failures: 1 });
    expect(row.broken_reason).toMatch(/broken after 1 consecutive failed runs/);
  });

  it('finishes a waiting run a user canceled with SQL: the one-time job is done and its dependents fail', async () => {
    await ensureTestRoles();
    await setSettings({ parallelism: 1 });
    const blocker = await createJob({ command: 'SELECT pg_sleep(1)', priority: 9 });
    const master = masterNamed('main');
    await master.wake('main');
    await started(blocker);
    const job = await asRole(ALICE, async (q) => {
      const [row] = await q<{ id: string }>(`INSERT INTO edgecron.job (command) VALUES ('SELECT 1') RETURNING id`);
      return Number(row!.id);
    });
    const dependent = await createJob({ command: 'SELECT 1', owner: ALICE, depends_on: `{${job}}` });
    await master.wake('main');
    expect((await runsOf(job)).map((r) => r.status)).toEqual(['queued']);
    await asRole(ALICE, (q) => q(`UPDATE edgecron.run SET status = 'canceled' WHERE job_id = $1`, [job]));
    await master.settle();
    await tick();
    expect((await runsOf(job)).map((r) => [r.status, r.reason])).toEqual([['canceled', `canceled by ${ALICE}`]]);
    expect(await jobRow(job)).toMatchObject({ state: 'done', next_run_at: null });
    expect((await runsOf(dependent)).map((r) => r.status)).toEqual(['dependency_failed']);
    const [pending] = await sql<{ n: string }>('SELECT count(*) AS n FROM edgecron.run WHERE needs_finish');
    expect(Number(pending!.n)).toBe(0);
  });

  it('schedules an @after job anew after its waiting run was canceled', async () => {
    await setSettings({ parallelism: 1 });
    const blocker = await createJob({ command: 'SELECT pg_sleep(1)', priority: 9 });
    const master = masterNamed('main');
    await master.wake('main');
    await started(blocker);
    const job = await createJob({ schedule: '@after 1 hour', command: 'SELECT 1' });
    await master.wake('main'); // its first slot is at once: it waits for the only slot
    expect((await runsOf(job)).map((r) => r.status)).toEqual(['queued']);
    await sql('SELECT edgecron.cancel_job($1)', [job]);
    await master.settle();
    await tick();
    expect((await runsOf(job)).map((r) => r.status)).toEqual(['canceled']);
    const next = (await jobRow(job)).next_run_at as Date | null;
    expect(next).not.toBeNull();
    expect(new Date(next!).getTime()).toBeGreaterThan(Date.now() + 3_500_000);
  });
});
