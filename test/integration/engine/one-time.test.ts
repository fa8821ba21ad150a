import { beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { createJob, eventually, jobRow, masterNamed, resetSettings, runsOf, tick } from '../support/engine';

describe('one-time jobs', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it('runs a job without a schedule at once, and only once', async () => {
    const job = await createJob({ command: 'SELECT 42 AS answer' });
    await tick();
    await tick();
    expect((await runsOf(job)).map((r) => [r.status, r.result?.rows])).toEqual([['succeeded', [{ answer: 42 }]]]);
    expect(await jobRow(job)).toMatchObject({ state: 'done', next_run_at: null });
  });

  it('waits for run_after', async () => {
    const job = await createJob({ command: 'SELECT 1', run_after: new Date(Date.now() + 3_600_000).toISOString() });
    await tick();
    expect(await runsOf(job)).toEqual([]);
    await sql(`UPDATE edgecron.job SET next_run_at = now() WHERE id = $1`, [job]);
    await tick();
    expect((await runsOf(job)).map((r) => r.status)).toEqual(['succeeded']);
  });

  it('starts a job when every job it depends on has succeeded', async () => {
    const a = await createJob({ command: 'SELECT pg_sleep(0.1)' });
    const b = await createJob({ command: 'SELECT 2', run_after: new Date(Date.now() + 3_600_000).toISOString() });
    const c = await createJob({ command: 'SELECT 3', depends_on: `{${a},${b}}` });
    await tick();
    await tick();
    expect(await runsOf(c)).toEqual([]);
    await sql(`UPDATE edgecron.job SET next_run_at = now() WHERE id = $1`, [b]);
    await tick();
    await tick();
    expect((await runsOf(c)).map((r) => r.status)).toEqual(['succeeded']);
    const started = new Date((await runsOf(c))[0]!.started_at!).getTime();
    expect(started).toBeGreaterThanOrEqual(new Date((await runsOf(b))[0]!.finished_at!).getTime());
  });

  it('fails dependents of a failed job with dependency_failed, down the chain', async () => {
    const failing = await createJob({ command: 'SELECT 1/0' });
    const dependent = await createJob({ command: 'SELECT 1', depends_on: `{${failing}}` });
    const grandchild = await createJob({ command: 'SELECT 1', depends_on: `{${dependent}}` });
    await tick();
    await tick();
    await tick();
    expect((await runsOf(dependent)).map((r) => r.status)).toEqual(['dependency_failed']);
    expect((await runsOf(dependent))[0]?.reason).toMatch(new RegExp(`job ${failing} ended failed`));
    expect((await runsOf(grandchild)).map((r) => r.status)).toEqual(['dependency_failed']);
    expect(await jobRow(dependent)).toMatchObject({ state: 'done' });
  });

  it('cancels a running run by canceling its backend', async () => {
    const job = await createJob({ command: 'SELECT pg_sleep(10)' });
    const master = masterNamed('main');
    await master.wake('main');
    const running = await eventually(async () => {
      const [run] = await runsOf(job);
      return run?.started_at && run.backend_pid ? run : undefined;
    });
    await sql(`UPDATE edgecron.run SET cancel_requested = true WHERE id = $1`, [running.id]);
    await tick();
    const [run] = await runsOf(job);
    expect(run).toMatchObject({ status: 'canceled', reason: 'canceled while it ran', error: { sqlstate: '57014' } });
    expect(new Date(run!.finished_at!).getTime() - new Date(run!.started_at!).getTime()).toBeLessThan(5_000);
  });

  it('resubmits itself from inside up to resubmit_limit', async () => {
    const job = await createJob({
      command: `UPDATE edgecron.job SET resubmit_at = now() WHERE id = current_setting('edgecron.job_id')::bigint`,
      resubmit_limit: 2,
    });
    for (let i = 0; i < 5; i++) await tick();
    expect((await runsOf(job)).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await jobRow(job)).toMatchObject({ state: 'done', resubmit_count: 2, resubmit_at: null });
  });

  it('deletes a job after its success with delete_after_success', async () => {
    const job = await createJob({ command: 'SELECT 1', delete_after_success: true });
    await tick();
    expect(await sql('SELECT id FROM edgecron.job WHERE id = $1', [job])).toEqual([]);
  });

  it('runs an @reboot job once when a master starts serving the database', async () => {
    const job = await createJob({ schedule: '@reboot', command: 'SELECT 1' });
    const fresh = masterNamed(`restarted-${Date.now()}`);
    await tick(fresh);
    await tick(fresh);
    const runs = await runsOf(job);
    expect(runs.map((r) => [r.status, r.reason])).toEqual([['succeeded', 'the scheduler started']]);
    expect(await jobRow(job)).toMatchObject({ next_run_at: null, state: 'active' });
  });

  it('does not run an @reboot job outside its start_at/end_at window, and ends one past its end_at', async () => {
    const ended = await createJob({ schedule: '@reboot', command: 'SELECT 1', end_at: new Date(Date.now() - 86_400_000).toISOString() });
    const later = await createJob({ schedule: '@reboot', command: 'SELECT 1', start_at: new Date(Date.now() + 86_400_000).toISOString() });
    const cron = await createJob({
      rule: { onstart: 1, minutes: [0], hours: [0], days: [1], months: [1] },
      command: 'SELECT 1',
      end_at: new Date(Date.now() - 86_400_000).toISOString(),
    });
    const fresh = masterNamed(`restarted-${Date.now()}`);
    await tick(fresh);
    await tick(fresh);
    expect(await runsOf(ended)).toEqual([]);
    expect(await runsOf(later)).toEqual([]);
    expect(await runsOf(cron)).toEqual([]);
    expect(await jobRow(ended)).toMatchObject({ state: 'done' });
    expect(await jobRow(later)).toMatchObject({ state: 'active' });
  });
});
