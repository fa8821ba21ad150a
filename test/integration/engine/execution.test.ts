import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { createJob, ensureRoles, jobRow, resetSettings, runOnce, runsOf, setSettings, tick, yearlyJob } from '../support/engine';

describe('executing a run', () => {
  beforeAll(async () => {
    await ensureRoles('engine_owner', 'engine_other');
    await sql('GRANT engine_other TO engine_owner');
  });
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it("runs as the job's owner, or as run_as, a role the owner is a member of", async () => {
    const owned = await yearlyJob({ owner: 'engine_owner', command: 'SELECT current_user AS who, session_user <> current_user AS switched' });
    const delegated = await yearlyJob({ owner: 'engine_owner', run_as: 'engine_other', command: 'SELECT current_user AS who' });
    await runOnce(owned);
    await runOnce(delegated);
    expect((await runsOf(owned))[0]?.result?.rows).toEqual([{ who: 'engine_owner', switched: true }]);
    expect((await runsOf(owned))[0]?.role).toBe('engine_owner');
    expect((await runsOf(delegated))[0]?.result?.rows).toEqual([{ who: 'engine_other' }]);
  });

  it('runs a list of commands each in its own transaction, so VACUUM works and earlier commands stay committed', async () => {
    await sql('CREATE TABLE IF NOT EXISTS public.exec_items (n int)');
    await sql('TRUNCATE public.exec_items');
    const job = await yearlyJob({
      commands: ['INSERT INTO public.exec_items VALUES (1)', 'VACUUM public.exec_items', 'INSERT INTO public.exec_items VALUES (2)', 'SELECT 1/0'],
    });
    await runOnce(job);
    const [run] = await runsOf(job);
    expect(run?.status).toBe('failed');
    expect(await sql('SELECT n FROM public.exec_items ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('runs commands in one transaction with use_same_transaction, rolling all back on failure', async () => {
    await sql('CREATE TABLE IF NOT EXISTS public.exec_items (n int)');
    await sql('TRUNCATE public.exec_items');
    const job = await yearlyJob({
      commands: ['INSERT INTO public.exec_items VALUES (1)', 'INSERT INTO public.exec_items VALUES (2)', 'SELECT 1/0'],
      use_same_transaction: true,
    });
    await runOnce(job);
    expect((await runsOf(job))[0]?.status).toBe('failed');
    expect(await sql('SELECT n FROM public.exec_items')).toEqual([]);
  });

  it('runs a procedure that commits inside, and CREATE INDEX CONCURRENTLY', async () => {
    await sql('CREATE TABLE IF NOT EXISTS public.exec_items (n int)');
    await sql('TRUNCATE public.exec_items');
    await sql(`CREATE OR REPLACE PROCEDURE public.exec_commit_twice() LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO public.exec_items VALUES (10); COMMIT; INSERT INTO public.exec_items VALUES (11); COMMIT; END $$`);
    const job = await yearlyJob({
      commands: ['CALL public.exec_commit_twice()', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS exec_items_n ON public.exec_items (n)'],
    });
    await runOnce(job);
    const [run] = await runsOf(job);
    expect(run?.error).toBeNull();
    expect(run?.status).toBe('succeeded');
    expect(await sql('SELECT n FROM public.exec_items ORDER BY n')).toEqual([{ n: 10 }, { n: 11 }]);
  });

  it('keeps rows as JSON up to the configured size, with the row count and command tag', async () => {
    await setSettings({ result_limit: 200 });
    const job = await yearlyJob({ command: 'SELECT i, repeat($$x$$, 20) AS pad FROM generate_series(1, 50) AS i' });
    await runOnce(job);
    const [run] = await runsOf(job);
    expect(run?.result?.command).toBe('SELECT');
    expect(run?.result?.row_count).toBe(50);
    expect(run?.result?.truncated).toBe(true);
    expect(JSON.stringify(run?.result?.rows).length).toBeLessThanOrEqual(200);
    expect(run?.result?.rows[0]).toEqual({ i: 1, pad: 'x'.repeat(20) });
  });

  it('keeps SQLSTATE, message, detail and hint of an error', async () => {
    const job = await yearlyJob({
      command: `DO $$ BEGIN RAISE EXCEPTION 'quota exceeded' USING ERRCODE = 'P0001', DETAIL = 'used 11 of 10', HINT = 'raise the quota'; END $$`,
    });
    await runOnce(job);
    expect((await runsOf(job))[0]?.error).toEqual({
      message: 'quota exceeded',
      sqlstate: 'P0001',
      detail: 'used 11 of 10',
      hint: 'raise the quota',
    });
  });

  it('binds params as $1..$n', async () => {
    const job = await yearlyJob({ command: 'SELECT $1::int + $2::int AS sum', params: JSON.stringify([2, 3]) });
    await runOnce(job);
    expect((await runsOf(job))[0]?.result?.rows).toEqual([{ sum: 5 }]);
  });

  it('times out past max_run_time through statement_timeout', async () => {
    const job = await yearlyJob({ command: 'SELECT pg_sleep(5)', max_run_time: '200 milliseconds' });
    await runOnce(job);
    const [run] = await runsOf(job);
    expect(run?.status).toBe('timed_out');
    expect(run?.error?.sqlstate).toBe('57014');
  });

  it('times out past max_run_time from outside when each statement stays under it', async () => {
    const job = await yearlyJob({
      commands: ['SELECT pg_sleep(0.4)', 'SELECT pg_sleep(0.4)', 'SELECT pg_sleep(0.4)', 'SELECT pg_sleep(0.4)', 'SELECT pg_sleep(0.4)'],
      max_run_time: '500 milliseconds',
    });
    await runOnce(job);
    const [run] = await runsOf(job);
    expect(run?.status).toBe('timed_out');
    const took = new Date(run!.finished_at!).getTime() - new Date(run!.started_at!).getTime();
    expect(took).toBeLessThan(2_000 - 100);
  });

  it('runs the fallback after a failure, and records a double fault when the fallback fails too', async () => {
    await sql('CREATE TABLE IF NOT EXISTS public.exec_items (n int)');
    await sql('TRUNCATE public.exec_items');
    const recovered = await yearlyJob({ command: 'SELECT 1/0', fallback: 'INSERT INTO public.exec_items VALUES (99)' });
    const doubleFault = await yearlyJob({ command: 'SELECT 1/0', fallback: 'SELECT * FROM no_such_table' });
    await runOnce(recovered);
    await runOnce(doubleFault);
    expect((await runsOf(recovered))[0]).toMatchObject({ status: 'failed', fallback: { status: 'succeeded' } });
    expect(await sql('SELECT n FROM public.exec_items')).toEqual([{ n: 99 }]);
    const [fault] = await runsOf(doubleFault);
    expect(fault).toMatchObject({ status: 'failed', fallback: { status: 'failed', error: { sqlstate: '42P01' } } });
  });

  it('takes the next start from next_time_statement, and breaks the job when it fails', async () => {
    const good = await yearlyJob({ command: 'SELECT 1', next_time_statement: `SELECT timestamptz '2030-01-01T00:00:00Z'` });
    const bad = await yearlyJob({ command: 'SELECT 1', next_time_statement: 'SELECT 1/0' });
    await runOnce(good);
    await runOnce(bad);
    expect(new Date((await jobRow(good)).next_run_at as Date).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(await jobRow(bad)).toMatchObject({ state: 'broken', next_run_at: null });
    expect((await jobRow(bad)).broken_reason).toMatch(/next_time_statement failed: division by zero/);
  });

  it('evaluates interval_expression before the run; NULL runs the job once', async () => {
    // Jobs without a schedule are one-time: due as soon as the master sees them.
    const repeating = await createJob({ command: 'SELECT 1', interval_expression: `timestamptz '2031-06-01T00:00:00Z'` });
    const once = await createJob({ command: 'SELECT 1', interval_expression: 'NULL' });
    await tick();
    await tick();
    expect((await runsOf(repeating)).map((r) => r.status)).toEqual(['succeeded']);
    expect((await runsOf(once)).map((r) => r.status)).toEqual(['succeeded']);
    expect(await jobRow(repeating)).toMatchObject({ state: 'active' });
    expect(new Date((await jobRow(repeating)).next_run_at as Date).toISOString()).toBe('2031-06-01T00:00:00.000Z');
    expect(await jobRow(once)).toMatchObject({ state: 'done', next_run_at: null });
  });

  it('keeps the next start a re-arming one-time job gave itself when one of its columns changes', async () => {
    const job = await createJob({ command: 'SELECT 1', interval_expression: `now() + interval '1 hour'` });
    await tick();
    const armed = new Date((await jobRow(job)).next_run_at as Date).getTime();
    expect(armed).toBeGreaterThan(Date.now() + 3_500_000);
    await sql(`UPDATE edgecron.job SET timezone = 'Europe/Berlin' WHERE id = $1`, [job]);
    await tick();
    expect(new Date((await jobRow(job)).next_run_at as Date).getTime()).toBe(armed);
    expect(await runsOf(job)).toHaveLength(1);
  });

  it('breaks a job whose role no longer exists, and keeps the others running', async () => {
    await ensureRoles('engine_gone');
    const orphan = await yearlyJob({ owner: 'engine_gone', command: 'SELECT 1' });
    const fine = await yearlyJob({ command: 'SELECT 2' });
    await sql('DROP ROLE engine_gone');
    await runOnce(orphan);
    await runOnce(fine);
    expect((await runsOf(orphan))[0]?.status).toBe('failed');
    expect(await jobRow(orphan)).toMatchObject({ state: 'broken' });
    expect((await jobRow(orphan)).broken_reason).toMatch(/engine_gone/);
    expect((await runsOf(fine))[0]?.status).toBe('succeeded');
  });

  it('refuses to run a superuser job when allow_superuser_jobs was turned off after it was created', async () => {
    const job = await yearlyJob({ command: 'SELECT 1' });
    await setSettings({ allow_superuser_jobs: false });
    await runOnce(job);
    expect((await runsOf(job))[0]).toMatchObject({ status: 'failed', error: { sqlstate: '42501' } });
    expect(await jobRow(job)).toMatchObject({ state: 'broken' });
  });

  it('leaves nothing of a run in the next session: role, settings and open transactions', async () => {
    const messy = await yearlyJob({ commands: [`SET search_path = nowhere`, `SET statement_timeout = '1ms'`, 'BEGIN'] });
    await runOnce(messy);
    const probe = await yearlyJob({ command: `SELECT current_setting('search_path') AS path, current_setting('statement_timeout') AS timeout, current_user AS who` });
    await runOnce(probe);
    expect((await runsOf(probe))[0]?.result?.rows).toEqual([{ path: '"$user", public', timeout: '0', who: 'postgres' }]);
  });
});

describe('telling a failed run from a lost one', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it('records a job whose error message talks about sockets as failed, not lost', async () => {
    const job = await yearlyJob({
      command: `DO $$ BEGIN RAISE EXCEPTION 'websocket connection closed: socket hang up (ECONNRESET)'; END $$`,
    });
    await runOnce(job);
    const runs = await runsOf(job);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'failed', error: { sqlstate: 'P0001' } });
  });
});
