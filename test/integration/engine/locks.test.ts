import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { createJob, dueSince, eventually, jobRow, masterNamed, resetSettings, runsOf, tick, yearlyJob } from '../support/engine';
import { ALICE, BOB, asRole, ensureTestRoles } from '../support/roles';

// Any member of edgecron_user may lock her own job and run rows (SELECT … FOR UPDATE needs
// only an UPDATE grant, which she has) and keep the transaction open as long as she likes.

async function statusesOf(jobId: number): Promise<string[]> {
  return (await runsOf(jobId)).map((r) => r.status);
}

async function startedRun(jobId: number) {
  return eventually(async () => (await runsOf(jobId)).find((r) => r.status === 'running' && r.started_at !== null));
}

describe("a user's row locks", () => {
  beforeAll(ensureTestRoles);
  beforeEach(async () => {
    await resetDatabase();
    await resetSettings();
  });

  it("syncs, claims and records everyone else's jobs while she holds her job rows, and hers once she lets go", async () => {
    const master = masterNamed('main');
    const running = await createJob({ owner: ALICE, command: 'SELECT pg_sleep(1)' });
    const due = await yearlyJob({ owner: ALICE, command: 'SELECT 1' });
    await master.wake('main');
    await startedRun(running);
    await dueSince(due);
    const fresh = await createJob({ owner: ALICE, command: 'SELECT 1' });
    const others = [
      await createJob({ owner: BOB, command: 'SELECT 1' }),
      await createJob({ command: 'SELECT pg_sleep(0.2)' }),
      await yearlyJob({ owner: BOB, command: 'SELECT 2' }),
    ];

    await asRole(ALICE, async (q) => {
      await q('BEGIN');
      const locked = await q('SELECT id FROM edgecron.job WHERE id = ANY($1) FOR UPDATE', [[running, due, fresh]]);
      expect(locked).toHaveLength(3);

      await master.wake('main');
      await master.settle(); // her running job's command ends meanwhile
      await dueSince(others[2]!);
      const before = Date.now();
      const status = await master.wake('main');
      // A due job it cannot lock is tried again in a moment (250 ms after the tick), not at once.
      const alarmAfter = new Date(status.nextAlarm!).getTime() - before;
      expect(alarmAfter).toBeGreaterThanOrEqual(250);
      expect(alarmAfter).toBeLessThanOrEqual(250 + (Date.now() - before));
      await master.settle();
      for (const job of others) expect(await statusesOf(job)).toEqual(['succeeded']);

      // Hers wait: the new one unsynced, the due one unclaimed, the ended run not yet recorded.
      expect(await jobRow(fresh)).toMatchObject({ needs_sync: true });
      expect(await runsOf(fresh)).toEqual([]);
      expect(await runsOf(due)).toEqual([]);
      expect(await statusesOf(running)).toEqual(['running']);
      await q('COMMIT');
    });

    await tick(master);
    await tick(master);
    expect(await statusesOf(running)).toEqual(['succeeded']);
    expect(await statusesOf(due)).toEqual(['succeeded']);
    expect(await statusesOf(fresh)).toEqual(['succeeded']);
  });

  it('records the other runs while she holds the row of her running run, and hers once she lets go', async () => {
    const master = masterNamed('main');
    const hers = await createJob({ owner: ALICE, command: 'SELECT pg_sleep(1)' });
    const others = [
      await createJob({ owner: BOB, command: 'SELECT pg_sleep(0.5)' }),
      await createJob({ command: 'SELECT pg_sleep(0.5)' }),
    ];
    await master.wake('main');
    const run = await startedRun(hers);

    await asRole(ALICE, async (q) => {
      await q('BEGIN');
      expect(await q('SELECT id FROM edgecron.run WHERE id = $1 FOR UPDATE', [run.id])).toHaveLength(1);
      const later = await createJob({ owner: BOB, command: 'SELECT 1' });
      await master.wake('main');
      await master.settle();
      for (const job of [...others, later]) expect(await statusesOf(job)).toEqual(['succeeded']);
      expect(await statusesOf(hers)).toEqual(['running']);
      await q('COMMIT');
    });

    await tick(master);
    const [ended] = await runsOf(hers);
    expect(ended).toMatchObject({ status: 'succeeded' });
    const [{ n }] = (await sql<{ n: string }>(`SELECT count(*) AS n FROM edgecron.run WHERE status IN ('queued', 'running')`)) as [
      { n: string },
    ];
    expect(n).toBe('0');
  });
});
