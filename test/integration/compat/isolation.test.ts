// The packs side by side (docs/compat/README.md, "Each pack its own jobs"): every pack lists,
// changes, deletes and purges only the jobs it made, whatever else the database holds, and a
// job made with edgecron's own interface belongs to none of them.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { resetSettings, runsOf } from '../support/engine';
import { ensureTestRoles, sqlError } from '../support/roles';
import { firstValue, idFrom, runDueNow } from './support';

beforeAll(ensureTestRoles);
beforeEach(async () => {
  await resetDatabase();
  await resetSettings();
});

interface Jobs {
  cron: number;
  pgproCron: number;
  pgproAt: number;
  task: number;
  qschedJob: number;
  qschedSchedule: number;
  hg: number;
  plainCron: number;
  plainOnce: number;
  plainDbmsJob: number;
}

/** One job through each pack and three through edgecron itself, none due on its own for a year. */
async function jobsOfEveryKind(): Promise<Jobs> {
  const cron = await idFrom(`SELECT cron.schedule('cron-job', '0 0 1 1 *', 'SELECT 1')`);
  const pgproCron = await idFrom(`SELECT schedule.create_job('0 0 1 1 *', 'SELECT 2')`);
  const pgproAt = await idFrom(`SELECT schedule.submit_job('SELECT 3', run_after := now() + interval '1 year')`);
  const task = firstValue(await sql(`INSERT INTO task (plan, input) VALUES (now() + interval '1 year', 'SELECT 4') RETURNING id`));
  const qschedJob = await idFrom(`SELECT qsched_job_create_query('q', 'SELECT 5')`);
  const schedule = await idFrom(`SELECT qsched_schedule_create(${qschedJob}, '0 0 0 1 1 *')`);
  await sql(`SELECT qsched_job_enable(${qschedJob})`);
  const qschedSchedule = firstValue(await sql('SELECT edgecron_job_id FROM qsched.schedule WHERE id = $1', [schedule]));
  await sql(`SELECT hgjob.job_create('SELECT 6', $$now() + interval '1 year'$$, now() + interval '1 year')`);
  const hg = firstValue(await sql('SELECT max(jobid) FROM hgjob.job'));
  const plainCron = await idFrom(`SELECT edgecron.schedule('plain', '0 0 1 1 *', 'SELECT 7')`);
  const plainOnce = await idFrom(`SELECT edgecron.submit_job('SELECT 8', run_after := now() + interval '1 year')`);
  const plainDbmsJob = firstValue(
    await sql(`INSERT INTO edgecron.job (command, interval_expression, run_after)
               VALUES ('SELECT 9', $$now() + interval '1 year'$$, now() + interval '1 year') RETURNING id`),
  );
  return { cron, pgproCron, pgproAt, task, qschedJob, qschedSchedule, hg, plainCron, plainOnce, plainDbmsJob };
}

const ids = (rows: Array<Record<string, unknown>>, column: string) => rows.map((r) => Number(r[column])).sort((a, b) => a - b);

describe('each pack', () => {
  it('lists only the jobs it made, and runs of only those', async () => {
    const j = await jobsOfEveryKind();
    await sql(`SELECT qsched_job_exec(${j.qschedJob})`);
    await runDueNow(j.cron, j.pgproCron, j.qschedSchedule, j.plainCron);

    expect(ids(await sql('SELECT jobid FROM cron.job'), 'jobid')).toEqual([j.cron]);
    expect(ids(await sql('SELECT jobid FROM cron.job_run_details'), 'jobid')).toEqual([j.cron]);
    expect(ids(await sql('SELECT id FROM schedule.get_cron()'), 'id')).toEqual([j.pgproCron]);
    expect(ids(await sql('SELECT id FROM schedule.get_owned_cron()'), 'id')).toEqual([j.pgproCron]);
    expect(ids(await sql(`SELECT id FROM schedule.get_user_cron('postgres')`), 'id')).toEqual([j.pgproCron]);
    expect(ids(await sql('SELECT cron FROM schedule.get_log()'), 'cron')).toEqual([j.pgproCron]);
    // The QSched job is a one-time edgecron job that never fires by itself: not an at job.
    expect(ids(await sql('SELECT id FROM schedule.all_job_status'), 'id')).toEqual([j.pgproAt]);
    expect(ids(await sql('SELECT id FROM schedule.job_status'), 'id')).toEqual([j.pgproAt]);
    expect(ids(await sql('SELECT id FROM task'), 'id')).toEqual([j.task]);
    expect(ids(await sql('SELECT DISTINCT job_id FROM qsched_my_jobs'), 'job_id')).toEqual([j.qschedJob]);
    expect(ids(await sql('SELECT DISTINCT job_id FROM qsched_my_log'), 'job_id')).toEqual([j.qschedJob]);
    // A DBMS_JOB-style job made with edgecron itself is not hg_job's.
    expect(ids(await sql('SELECT jobid FROM hgjob.job'), 'jobid')).toEqual([j.hg]);
    expect(await sql('SELECT pack, count(*)::int AS n FROM edgecron_compat.job_pack GROUP BY pack ORDER BY pack')).toEqual([
      { pack: 'hg_job', n: 1 },
      { pack: 'pg_cron', n: 1 },
      { pack: 'pg_task', n: 1 },
      { pack: 'pgpro_scheduler', n: 2 },
      { pack: 'qsched', n: 2 },
    ]);
  });

  it("purges only its own history: pg_cron's DELETE FROM cron.job_run_details and pgpro's clean_log()", async () => {
    const j = await jobsOfEveryKind();
    await sql(`SELECT qsched_job_exec(${j.qschedJob})`);
    await runDueNow(j.cron, j.pgproCron, j.qschedSchedule, j.plainCron);
    await sql(`UPDATE edgecron.run SET finished_at = now() - interval '8 days'`);
    const ranBefore = [j.cron, j.pgproCron, j.qschedJob, j.qschedSchedule, j.plainCron];
    for (const id of ranBefore) expect(await runsOf(id)).toHaveLength(1);

    // pg_cron's README: the job that purges its own history.
    await sql(`DELETE FROM cron.job_run_details WHERE end_time < now() - interval '7 days'`);
    expect(await runsOf(j.cron)).toEqual([]);
    for (const id of [j.pgproCron, j.qschedJob, j.qschedSchedule, j.plainCron]) expect(await runsOf(id)).toHaveLength(1);

    expect(await sql('SELECT schedule.clean_log()')).toEqual([{ clean_log: 1 }]);
    expect(await runsOf(j.pgproCron)).toEqual([]);
    for (const id of [j.qschedJob, j.qschedSchedule, j.plainCron]) expect(await runsOf(id)).toHaveLength(1);
    expect(await sql('SELECT count(*)::int AS n FROM qsched_my_log')).toEqual([{ n: 2 }]);
  });

  it("changes, stops and deletes none of another pack's jobs, nor edgecron's own", async () => {
    const j = await jobsOfEveryKind();
    const before = await sql('SELECT id, name, schedule, command, enabled, state FROM edgecron.job ORDER BY id');
    const others = (mine: number[]) => Object.values(j).filter((id) => !mine.includes(id));

    for (const id of others([j.cron])) {
      expect((await sqlError(sql(`SELECT cron.unschedule(${id}::bigint)`))).code).toBe('P0002');
      expect((await sqlError(sql(`SELECT cron.alter_job(${id}, active := false)`))).code).toBe('P0002');
    }
    for (const id of others([j.pgproCron, j.pgproAt])) {
      expect((await sqlError(sql(`SELECT schedule.drop_job(${id})`))).code).toBe('P0002');
      expect((await sqlError(sql(`SELECT schedule.deactivate_job(${id})`))).code).toBe('P0002');
      expect((await sqlError(sql(`SELECT schedule.set_job_attributes(${id}, '{"name": "x"}')`))).code).toBe('P0002');
      expect(await sql(`SELECT schedule.cancel_job(${id})`)).toEqual([{ cancel_job: false }]);
    }
    for (const id of others([j.hg])) {
      expect((await sqlError(sql(`SELECT hgjob.job_stop(${id})`))).code).toBe('P0002');
      expect((await sqlError(sql(`SELECT hgjob.job_delete(${id})`))).code).toBe('P0002');
    }
    for (const id of others([j.qschedJob])) {
      expect((await sqlError(sql(`SELECT qsched_job_delete(${id})`))).code).toBe('P0002');
    }
    expect(await sql(`UPDATE cron.job SET active = false WHERE jobid <> ${j.cron} RETURNING jobid`)).toEqual([]);
    expect(await sql(`DELETE FROM cron.job WHERE jobid <> ${j.cron} RETURNING jobid`)).toEqual([]);
    expect(await sql(`DELETE FROM task WHERE id <> ${j.task} RETURNING id`)).toEqual([]);

    // Names are unique per role across edgecron: cron.schedule does not take over another's job.
    const taken = await sqlError(sql(`SELECT cron.schedule('plain', '0 3 * * *', 'SELECT 0')`));
    expect(taken).toMatchObject({ code: '23505', message: `job name "plain" is taken: role "postgres" has job ${j.plainCron} of that name, not made with cron.schedule` });
    expect((await sqlError(sql(`SELECT cron.unschedule('plain')`))).code).toBe('P0002');

    expect(await sql('SELECT id, name, schedule, command, enabled, state FROM edgecron.job ORDER BY id')).toEqual(before);
  });
});
