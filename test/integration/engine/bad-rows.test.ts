import { beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../setup/tokens';
import { callApi } from '../support/api';
import { resetDatabase, sql } from '../support/database';
import { createJob, dueSince, jobRow, masterNamed, resetSettings, runsOf, tick, yearlyJob } from '../support/engine';
import { fireAlarm, mainMaster } from '../support/master';
import { insertRawJob, setRawColumns } from '../support/raw-rows';

const OUTSIDE = 'is outside the times the scheduler handles (years 1 to 9999; NULL for none)';

async function statusesOf(jobId: number): Promise<string[]> {
  return (await runsOf(jobId)).map((r) => r.status);
}

describe('jobs with dates', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it('runs a job created with a date through the API or dates in SQL, and the other jobs keep running', async () => {
    const date = new Date(Date.now() + 3_600_000);
    date.setUTCMilliseconds(0);
    const created = await callApi('/v1/databases/main/jobs', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ date: date.toISOString(), command: 'SELECT 1' }),
    });
    expect(created.status).toBe(201);
    const fromApi = Number(((await created.json()) as { id: number }).id);
    const [row] = await sql<{ id: string }>(
      `INSERT INTO edgecron.job (dates, command) VALUES (ARRAY[$1, '2099-01-01']::timestamptz[], 'SELECT 2') RETURNING id`,
      [date.toISOString()],
    );
    const fromSql = Number(row!.id);
    const other = await createJob({ command: 'SELECT 3' });

    await tick();
    // Synced: next_run_at is the (first) date, not a broken job.
    for (const job of [fromApi, fromSql]) {
      expect(await jobRow(job)).toMatchObject({ state: 'active', broken_reason: null, next_run_at: date });
    }
    expect(await statusesOf(other)).toEqual(['succeeded']);

    // Its time comes: it is claimed, runs, and moves on to its next date.
    await dueSince(fromApi);
    await dueSince(fromSql);
    const later = await createJob({ command: 'SELECT 4' });
    await tick();
    expect(await statusesOf(fromApi)).toEqual(['succeeded']);
    expect(await statusesOf(fromSql)).toEqual(['succeeded']);
    expect(await statusesOf(later)).toEqual(['succeeded']);
    expect(await jobRow(fromSql)).toMatchObject({ state: 'active', next_run_at: date });
  });
});

describe('rows the scheduler cannot use', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
    await masterNamed('main').wake('main'); // serves `main` from now on; the alarm drives it below
  });

  it('breaks a job whose timestamp is infinity, BC or past year 9999, naming the column and value; the others run', async () => {
    const bad = {
      runAfter: await insertRawJob({ command: 'SELECT 1', run_after: 'infinity' }),
      farRunAfter: await insertRawJob({ command: 'SELECT 1', run_after: '10000-01-01 00:00:00+00' }),
      startAt: await insertRawJob({ schedule: '* * * * *', command: 'SELECT 1', start_at: '-infinity' }),
      endAt: await insertRawJob({ schedule: '* * * * *', command: 'SELECT 1', end_at: '0044-03-15 00:00:00+00 BC' }),
      dates: await insertRawJob({ dates: '{"2099-01-01 00:00:00+00",infinity}', command: 'SELECT 1' }),
    };
    const good = [await createJob({ command: 'SELECT 1' }), await createJob({ command: 'SELECT 2' })];
    const cron = await yearlyJob({ command: 'SELECT 3' });

    expect(await fireAlarm()).toBe(true);
    for (const job of good) expect(await statusesOf(job)).toEqual(['succeeded']);
    const reasons = Object.fromEntries(
      await Promise.all(Object.entries(bad).map(async ([key, id]) => [key, await jobRow(id)] as const)),
    );
    expect(reasons.runAfter).toMatchObject({ state: 'broken', next_run_at: null, broken_reason: `run_after: infinity ${OUTSIDE}` });
    expect(reasons.farRunAfter).toMatchObject({ state: 'broken', broken_reason: `run_after: 10000-01-01 00:00:00+00 ${OUTSIDE}` });
    expect(reasons.startAt).toMatchObject({ state: 'broken', broken_reason: `start_at: -infinity ${OUTSIDE}` });
    expect(reasons.endAt).toMatchObject({ state: 'broken', broken_reason: `end_at: 0044-03-15 00:00:00+00 BC ${OUTSIDE}` });
    expect(reasons.dates).toMatchObject({ state: 'broken', broken_reason: `dates[1]: infinity ${OUTSIDE}` });
    for (const id of Object.values(bad)) expect(await runsOf(id)).toEqual([]);

    // The master goes on: a due slot is claimed and run on the next alarm.
    await dueSince(cron);
    expect(await fireAlarm()).toBe(true);
    expect(await statusesOf(cron)).toEqual(['succeeded']);
  });

  it('keeps its alarm set and breaks a job whose next_run_at (written by SQL) is ±infinity', async () => {
    const job = await yearlyJob({ command: 'SELECT 1' });
    await fireAlarm();
    // Only job scheduled, and never due: the master still sets its alarm.
    await setRawColumns(job, { next_run_at: 'infinity' });
    const master = mainMaster();
    await master.wake('main');
    expect((await master.status()).nextAlarm).not.toBeNull();
    expect(await jobRow(job)).toMatchObject({ state: 'active' });

    await setRawColumns(job, { next_run_at: '-infinity' });
    const other = await createJob({ command: 'SELECT 1' });
    expect(await fireAlarm()).toBe(true);
    expect(await jobRow(job)).toMatchObject({ state: 'broken', next_run_at: null, broken_reason: `next_run_at: -infinity ${OUTSIDE}` });
    expect(await statusesOf(other)).toEqual(['succeeded']);
  });

  it('breaks the one job that fails in the sync, the claim or the recording of its run, and runs the others', async () => {
    // Sync: its start time cannot be computed.
    const inSync = await insertRawJob({ command: 'SELECT 1', run_after: 'infinity' });
    // Claim: synced fine, but its deadline (max_wait) is an infinite interval.
    const inClaim = await insertRawJob({ command: 'SELECT 1', max_wait: 'infinity' });
    // Finish: it runs and fails; its retry would come after an infinite backoff.
    const inFinish = await insertRawJob({
      command: 'SELECT 1/0',
      max_attempts: 2,
      retry_backoff: 'infinity',
      retry_backoff_max: 'infinity',
    });
    const good = [await createJob({ command: 'SELECT 1' }), await createJob({ command: 'SELECT pg_sleep(0.05)' })];
    const failing = await createJob({ command: 'SELECT 1/0', max_attempts: 2, retry_backoff: '1 hour' });

    expect(await fireAlarm()).toBe(true);
    for (const job of good) expect(await statusesOf(job)).toEqual(['succeeded']);
    expect(await statusesOf(failing)).toEqual(['failed', 'queued']);

    expect(await jobRow(inSync)).toMatchObject({ state: 'broken', broken_reason: `run_after: infinity ${OUTSIDE}` });
    expect(await runsOf(inSync)).toEqual([]);
    expect(await jobRow(inClaim)).toMatchObject({
      state: 'broken',
      next_run_at: null,
      broken_reason: 'max_wait: infinity is not a duration the scheduler can use; give a finite interval',
    });
    expect(await runsOf(inClaim)).toEqual([]);
    expect(await jobRow(inFinish)).toMatchObject({
      state: 'broken',
      next_run_at: null,
      broken_reason: 'retry_backoff: infinity is not a duration the scheduler can use; give a finite interval',
    });
    // Its run ended as it did: failed, finished, and not retried.
    const [run] = await runsOf(inFinish);
    expect(await runsOf(inFinish)).toHaveLength(1);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run!.finished_at).not.toBeNull();

    // And the master keeps ticking: a later job runs on the next alarm.
    const later = await createJob({ command: 'SELECT 1' });
    expect(await fireAlarm()).toBe(true);
    expect(await statusesOf(later)).toEqual(['succeeded']);
  });
});
