// Deleting through the packs as a scheduling role, not the superuser: schedulers hold no DELETE
// on edgecron's tables (it would let them lock the master out), so each pack's delete reaches
// edgecron.unschedule or edgecron.delete_runs and deletes what the caller may manage, no more.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { resetSettings } from '../support/engine';
import { ALICE, asRole, BOB, DANA, ensureTestRoles } from '../support/roles';
import { firstValue } from './support';

beforeAll(ensureTestRoles);
beforeEach(async () => {
  await resetDatabase();
  await resetSettings();
});

/** A finished run of `job`, as the master records it. */
const finishedRun = (job: number, owner: string) =>
  sql(`INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at) VALUES ($1, $2, now(), 'succeeded', now())`, [job, owner]);

const jobIds = async () => (await sql<{ id: string }>('SELECT id FROM edgecron.job ORDER BY id')).map((r) => Number(r.id));

describe('deleting through the packs as a scheduler', () => {
  it("pg_cron: DELETE FROM cron.job and cron.job_run_details delete alice's own rows only", async () => {
    const bobs = await asRole(BOB, async (q) => firstValue(await q(`SELECT cron.schedule('b', '0 0 1 1 *', 'SELECT 1')`)));
    const alices = await asRole(ALICE, async (q) => firstValue(await q(`SELECT cron.schedule('a', '0 0 1 1 *', 'SELECT 1')`)));
    const other = await asRole(ALICE, async (q) => firstValue(await q(`SELECT cron.schedule('c', '0 0 1 1 *', 'SELECT 1')`)));
    await finishedRun(bobs, BOB);
    await finishedRun(other, ALICE);
    const deleted = await asRole(ALICE, async (q) => ({
      runs: await q(`DELETE FROM cron.job_run_details WHERE end_time < now() + interval '1 minute' RETURNING jobid`),
      jobs: await q('DELETE FROM cron.job WHERE jobid IN ($1, $2) RETURNING jobid', [alices, bobs]),
    }));
    expect(deleted).toEqual({ runs: [{ jobid: String(other) }], jobs: [{ jobid: String(alices) }] });
    expect(await jobIds()).toEqual([bobs, other]);
    expect(await sql('SELECT job_id FROM edgecron.run')).toEqual([{ job_id: String(bobs) }]);
  });

  it('pg_task: DELETE FROM task deletes the task with its options', async () => {
    const task = await asRole(ALICE, async (q) => firstValue(await q(`INSERT INTO task (input, plan) VALUES ('SELECT 1', now() + interval '1 day') RETURNING id`)));
    expect(await asRole(ALICE, (q) => q('DELETE FROM task WHERE id = $1 RETURNING id', [task]))).toEqual([{ id: String(task) }]);
    expect(await jobIds()).toEqual([]);
    expect(await sql('SELECT count(*)::int AS n FROM pgtask.task_option')).toEqual([{ n: 0 }]);
  });

  it('QSched, hg_job and pgpro_scheduler: their delete functions, and clean_log for an admin', async () => {
    const qjob = await asRole(ALICE, async (q) => {
      const id = firstValue(await q(`SELECT qsched_job_create_query('q', 'SELECT 1')`));
      await q(`SELECT qsched_schedule_create($1, '0 0 0 1 1 *')`, [id]);
      return id;
    });
    const hg = await asRole(ALICE, async (q) => {
      await q(`SELECT hgjob.job_create('SELECT 1', NULL, now() + interval '1 day')`); // answers 'Job create success'
      return firstValue(await q('SELECT max(jobid) FROM hgjob.job'));
    });
    const pgpro = await asRole(ALICE, async (q) => firstValue(await q(`SELECT schedule.create_job('0 0 1 1 *', 'SELECT 1')`)));
    const bobs = await asRole(BOB, async (q) => firstValue(await q(`SELECT schedule.create_job('0 0 1 1 *', 'SELECT 2')`)));
    await finishedRun(bobs, BOB);
    expect(await jobIds()).toHaveLength(5);
    await asRole(ALICE, async (q) => {
      await q('SELECT qsched_job_delete($1)', [qjob]);
      await q('SELECT hgjob.job_delete($1)', [hg]);
      await q('SELECT schedule.drop_job($1)', [pgpro]);
    });
    expect(await jobIds()).toEqual([bobs]);
    expect(await sql('SELECT count(*)::int AS n FROM qsched.job UNION ALL SELECT count(*)::int FROM qsched.schedule')).toEqual([{ n: 0 }, { n: 0 }]);
    expect(await asRole(DANA, (q) => q('SELECT schedule.clean_log()'))).toEqual([{ clean_log: 1 }]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.run')).toEqual([{ n: 0 }]);
  });
});
