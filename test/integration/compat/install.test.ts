// Installing the packs: the integration tests' database got every pack from installCompatPack
// (test/setup/global-setup.ts), as `npm run compat -- all` installs them. Here each pack is
// applied again over jobs made through it, as a user re-running the command would.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import base from '../../../compat/base.sql?raw';
import hgJob from '../../../compat/hg_job.sql?raw';
import pgCron from '../../../compat/pg_cron.sql?raw';
import pgTask from '../../../compat/pg_task.sql?raw';
import pgproScheduler from '../../../compat/pgpro_scheduler.sql?raw';
import qsched from '../../../compat/qsched.sql?raw';
import { resetDatabase, sql } from '../support/database';
import { resetSettings, runsOf } from '../support/engine';
import { ALICE, asRole, CAROL, ensureTestRoles, sqlError } from '../support/roles';
import { firstValue, idFrom, runDueNow } from './support';

const PACKS = { pg_cron: pgCron, pgpro_scheduler: pgproScheduler, pg_task: pgTask, qsched, hg_job: hgJob };

/**
 * Applies a pack's SQL in one transaction after compat/base.sql, as scripts/compat.ts does:
 * several statements in one simple query are one implicit transaction, rolled back whole if
 * one fails.
 */
const install = (text: string) => sql(`${base}\n${text}`);

beforeAll(ensureTestRoles);
beforeEach(async () => {
  await resetDatabase();
  await resetSettings();
});

describe('the compatibility packs', () => {
  it('install again over their own jobs without changing them, and the jobs still run', async () => {
    const cron = await idFrom(`SELECT cron.schedule('again', '0 10 * * *', 'SELECT 1')`);
    const pgpro = await idFrom(`SELECT schedule.create_job('0 10 * * *', 'SELECT 2')`);
    await sql(`INSERT INTO task (plan, input) VALUES (now() + interval '1 day', 'SELECT 3')`);
    const queued = await idFrom(`SELECT qsched_job_create_query('again', 'SELECT 4')`);
    await sql(`SELECT qsched_schedule_create(${queued}, '0 0 10 * * *')`);
    await sql(`SELECT hgjob.job_create('SELECT 5', NULL, now() + interval '1 day')`);
    const before = await sql('SELECT id, command, schedule, run_after, next_time_statement, queue FROM edgecron.job ORDER BY id');

    for (const text of Object.values(PACKS)) await install(text);

    expect(await sql('SELECT id, command, schedule, run_after, next_time_statement, queue FROM edgecron.job ORDER BY id')).toEqual(before);
    expect(await sql(`SELECT jobid FROM cron.job WHERE jobname = 'again'`)).toEqual([{ jobid: String(cron) }]);
    expect(await sql('SELECT count(*)::int AS n FROM task')).toEqual([{ n: 1 }]);
    expect(await sql('SELECT count(*)::int AS n FROM qsched_my_jobs')).toEqual([{ n: 1 }]);
    expect(await sql('SELECT count(*)::int AS n FROM hgjob.job')).toEqual([{ n: 1 }]);
    await runDueNow(cron, pgpro);
    expect((await runsOf(cron))[0]).toMatchObject({ status: 'succeeded' });
    expect((await runsOf(pgpro))[0]).toMatchObject({ status: 'succeeded' });
  });

  it('keep their objects to scheduling roles after a reinstall: a role outside edgecron_user reaches none', async () => {
    for (const text of Object.values(PACKS)) await install(text);
    const [grants] = await sql(`
      SELECT has_function_privilege('public', 'cron.schedule(text, text)', 'EXECUTE') AS cron_public,
             has_function_privilege('edgecron_user', 'cron.schedule(text, text)', 'EXECUTE') AS cron_user,
             has_function_privilege('public', 'public.qsched_job_exec(bigint)', 'EXECUTE') AS qsched_public,
             has_table_privilege('public', 'public.task', 'INSERT') AS task_public,
             has_table_privilege('edgecron_user', 'public.task', 'INSERT') AS task_user`);
    expect(grants).toEqual({ cron_public: false, cron_user: true, qsched_public: false, task_public: false, task_user: true });
    await asRole(CAROL, async (q) => {
      for (const call of [
        `SELECT cron.schedule('* * * * *', 'SELECT 1')`,
        `SELECT schedule.create_job('* * * * *', 'SELECT 1')`,
        `INSERT INTO task (input) VALUES ('SELECT 1')`,
        `SELECT qsched_job_create_query('x', 'SELECT 1')`,
        `SELECT hgjob.job_create('SELECT 1')`,
      ]) {
        expect((await sqlError(q(call))).code).toBe('42501');
      }
    });
    const id = await asRole(ALICE, async (q) => firstValue(await q(`SELECT cron.schedule('* * * * *', 'SELECT 1')`)));
    await runDueNow(id);
    expect((await runsOf(id))[0]).toMatchObject({ status: 'succeeded', role: ALICE });
  });

  it('refuse to install QSched\'s pack while PUBLIC may create objects in schema public, where its functions are called unqualified', async () => {
    await sql('GRANT CREATE ON SCHEMA public TO PUBLIC');
    try {
      const error = await install(qsched).then(
        () => null,
        (e: unknown) => e as { code: string; message: string; hint?: string },
      );
      expect(error).toMatchObject({
        code: '42501',
        message: 'qsched pack: every role may create objects in schema public, where the QSched functions are called unqualified',
      });
      expect(error?.hint).toMatch(/^REVOKE CREATE ON SCHEMA public FROM PUBLIC;/);
    } finally {
      await sql('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    }
    await install(qsched);
  });

  it('adopt, when installed again, the jobs of packs installed before each job had its pack recorded', async () => {
    const cron = await idFrom(`SELECT cron.schedule('again', '0 10 * * *', 'SELECT 1')`);
    const pgpro = await idFrom(`SELECT schedule.create_job('0 10 * * *', 'SELECT 2')`);
    const at = await idFrom(`SELECT schedule.submit_job('SELECT 3', run_after := now() + interval '1 day')`);
    const task = firstValue(await sql(`INSERT INTO task (plan, input) VALUES (now() + interval '1 day', 'SELECT 4') RETURNING id`));
    const queued = await idFrom(`SELECT qsched_job_create_query('again', 'SELECT 5')`);
    await sql(`SELECT qsched_schedule_create(${queued}, '0 0 10 * * *')`);
    await sql(`SELECT hgjob.job_create('SELECT 6', NULL, now() + interval '1 day')`);
    const plain = await idFrom(`SELECT edgecron.schedule('plain', '0 10 * * *', 'SELECT 7')`);
    const recorded = await sql('SELECT job_id, pack FROM edgecron_compat.job_pack ORDER BY job_id');
    expect(recorded).toHaveLength(7);

    // As a database whose packs came before edgecron_compat: nothing recorded.
    await sql('DELETE FROM edgecron_compat.job_pack');
    await sql('DELETE FROM edgecron_compat.pack');
    for (const text of Object.values(PACKS)) await install(text);

    expect(await sql('SELECT job_id, pack FROM edgecron_compat.job_pack ORDER BY job_id')).toEqual(recorded);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron_compat.job_pack WHERE job_id = $1', [plain])).toEqual([{ n: 0 }]);
    expect(await sql('SELECT jobid FROM cron.job')).toEqual([{ jobid: String(cron) }]);
    expect(await sql('SELECT id FROM schedule.get_cron()')).toEqual([{ id: pgpro }]);
    expect(await sql('SELECT id FROM schedule.job_status')).toEqual([{ id: String(at) }]);
    expect(await sql('SELECT id FROM task')).toEqual([{ id: String(task) }]);
    // A second install adopts nothing more.
    await sql('DELETE FROM edgecron_compat.job_pack WHERE job_id = $1', [cron]);
    await install(pgCron);
    expect(await sql('SELECT * FROM cron.job')).toEqual([]);
  });

  it("refuse to install pg_task's pack over a task table that is not its view, and say what to do", async () => {
    await sql('ALTER VIEW public.task RENAME TO task_view_aside');
    try {
      await sql('CREATE TABLE public.task (id bigserial PRIMARY KEY, input text NOT NULL)');
      const error = await install(pgTask).then(
        () => null,
        (e: unknown) => e as { message: string; hint?: string },
      );
      expect(error?.message).toBe("pg_task pack: public.task already exists and is not this pack's view");
      expect(error?.hint).toMatch(/docs\/compat\/pg_task\.md/);
    } finally {
      await sql('DROP TABLE IF EXISTS public.task');
      await sql('ALTER VIEW public.task_view_aside RENAME TO task');
    }
  });
});
