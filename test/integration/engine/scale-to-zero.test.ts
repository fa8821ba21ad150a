// Scale-to-zero: while nothing is due the master makes no round trip, yet it wakes in time for
// everything a run's end arms (retries, released dependents) and the watchdog leaves it asleep.
import { runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { fireCronTrigger } from '../support/master';
import { createJob, eventually, masterNamed, resetSettings, runsOf, setSettings } from '../support/engine';

/** Fails on its first attempt, succeeds on the next. */
const FAIL_FIRST_ATTEMPT = `SELECT 1 / (SELECT count(*) - 1 FROM edgecron.run
  WHERE job_id = current_setting('edgecron.job_id')::bigint)`;

const master = () => masterNamed('main');

async function lastTickAt(masterId: string): Promise<number | null> {
  const [row] = await sql<{ last_tick_at: Date }>('SELECT last_tick_at FROM edgecron.master_heartbeat WHERE master_id = $1', [masterId]);
  return row ? new Date(row.last_tick_at).getTime() : null;
}

describe('scale-to-zero', () => {
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings({ scale_to_zero: true, sync_interval: '15 minutes' });
  });

  // The alarms below fire by themselves: nothing else ticks the master.
  it('arms the alarm for a retry waiting for its backoff, and starts it then', async () => {
    const job = await createJob({ command: FAIL_FIRST_ATTEMPT, max_attempts: 2, retry_backoff: '1 second' });
    await master().wake('main');
    await master().settle();
    const [, retry] = await sql<{ start_after: Date }>('SELECT start_after FROM edgecron.run WHERE job_id = $1 ORDER BY id', [job]);
    expect(retry).toBeDefined();
    const { nextAlarm } = await master().status();
    expect(new Date(nextAlarm ?? 0).getTime()).toBeLessThanOrEqual(new Date(retry!.start_after).getTime());
    await eventually(async () => (await runsOf(job)).at(-1)?.status === 'succeeded', 5_000);
    expect((await runsOf(job)).map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
  });

  it('arms the alarm for a dependent released when the job it depends on ends', async () => {
    const first = await createJob({ command: 'SELECT pg_sleep(0.2)' });
    const dependent = await createJob({ command: 'SELECT 2', depends_on: `{${first}}` });
    await master().wake('main');
    await master().settle();
    expect((await runsOf(first)).map((r) => r.status)).toEqual(['succeeded']);
    await eventually(async () => (await runsOf(dependent))[0]?.status === 'succeeded', 5_000);
  });

  it('is left asleep by the watchdog while its alarm is armed', async () => {
    await createJob({ schedule: '0 0 1 1 *', command: 'SELECT 1' });
    await master().wake('main');
    const before = await master().status();
    const tickedAt = await lastTickAt(before.masterId!);
    expect(tickedAt).not.toBeNull();
    for (let i = 0; i < 3; i++) await fireCronTrigger();
    const after = await master().status();
    expect(await lastTickAt(before.masterId!)).toBe(tickedAt);
    expect(after.nextAlarm).toBe(before.nextAlarm);
  });

  it('is re-armed by the watchdog when its alarm was lost', async () => {
    await createJob({ schedule: '0 0 1 1 *', command: 'SELECT 1' });
    await master().wake('main');
    await runInDurableObject(master(), (_instance, state) => state.storage.deleteAlarm());
    expect((await master().status()).nextAlarm).toBeNull();
    await fireCronTrigger();
    const { nextAlarm } = await master().status();
    expect(new Date(nextAlarm!).getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  it('purges history at most once per sync interval', async () => {
    await setSettings({ retention_max_runs: 10 });
    const job = await createJob({ schedule: '0 0 1 1 *', command: 'SELECT 1' });
    await master().wake('main'); // purges (nothing yet)
    await sql(`INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at)
               SELECT $1, 'postgres', now() - i * interval '1 minute', 'succeeded', now() - i * interval '1 minute'
                 FROM generate_series(1, 50) AS i`, [job]);
    await master().wake('main');
    await master().settle();
    const [row] = await sql<{ n: string }>('SELECT count(*) AS n FROM edgecron.run');
    expect(Number(row!.n)).toBe(50);
  });
});
