// The QSched pack (compat/qsched.sql): the examples of the QSched document in the reference
// seeds (003), run as written, produce the runs they promise, read back through qsched_my_jobs
// and qsched_my_log. Each test starts from an empty database, so the document's ids (job 1,
// schedule 1) are the ids the functions give.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { dueSince, eventually, jobRow, masterNamed, resetSettings, runsOf, setSettings, tick, type RunRow } from '../support/engine';
import { ALICE, asRole, BOB, ensureTestRoles, sqlError } from '../support/roles';
import { firstValue, freshTable, idFrom, refusal } from './support';

beforeAll(ensureTestRoles);
beforeEach(async () => {
  await resetDatabase();
  await resetSettings();
});

interface LogRow {
  run_id: string;
  job_id: string;
  schedule_id: string | null;
  status: string;
  error: string | null;
  double_fault: boolean;
  result: { rows: Array<Record<string, unknown>> } | null;
}

const logOf = (jobId: number) =>
  sql<LogRow & Record<string, unknown>>('SELECT * FROM qsched_my_log WHERE job_id = $1 ORDER BY run_id', [jobId]);

/** The edgecron job that fires a QSched schedule. */
async function scheduleJob(scheduleId: number): Promise<number> {
  return firstValue(await sql('SELECT edgecron_job_id FROM qsched.schedule WHERE id = $1', [scheduleId]));
}

describe('the QSched document in the reference seeds (003)', () => {
  it('creates a query job (job 1) and runs it at once with qsched_job_exec(1)', async () => {
    expect(await sql(`SELECT qsched_job_create_query('job name', 'SELECT 123;')`)).toEqual([{ qsched_job_create_query: '1' }]);
    await sql(`SELECT qsched_job_exec(/* id задачи */ 1)`);
    await tick();
    expect(await logOf(1)).toEqual([
      expect.objectContaining({ job_id: '1', schedule_id: null, status: 'succeeded', double_fault: false, result: expect.objectContaining({ rows: [{ '?column?': 123 }] }) }),
    ]);
  });

  it('runs a PL/pgSQL block job, here the endless loop, until it is canceled', async () => {
    const id = await idFrom(`SELECT qsched_job_create_block('job name', 'BEGIN LOOP PERFORM pg_sleep(1); END LOOP; END;')`);
    await sql(`SELECT qsched_job_exec(${id})`);
    const master = masterNamed('main');
    await master.wake('main');
    await eventually(async () => (await runsOf(id)).some((r) => r.status === 'running'));
    await sql(`SELECT edgecron.cancel_job(${id})`);
    await master.wake('main');
    await master.settle();
    expect((await logOf(id)).map((r) => r.status)).toEqual(['canceled']);
  });

  it('resolves a procedure job by name when it runs, schema-qualified or along the search path', async () => {
    await sql('DROP SCHEMA IF EXISTS my_schema CASCADE');
    await sql('CREATE SCHEMA my_schema');
    await freshTable('proc_calls', 'who text');
    const bare = await idFrom(`SELECT qsched_job_create_proc('job name', 'proc_name')`);
    const qualified = await idFrom(`SELECT qsched_job_create_proc('job name','my_schema.my_proc')`);
    await sql(`SELECT qsched_job_exec(${bare}), qsched_job_exec(${qualified})`);
    await tick();
    expect((await logOf(bare))[0]).toMatchObject({ status: 'failed', error: 'procedure proc_name() does not exist' });

    await sql(`CREATE OR REPLACE PROCEDURE public.proc_name() LANGUAGE sql AS $$ INSERT INTO proc_calls VALUES ('proc_name') $$`);
    await sql(`CREATE OR REPLACE PROCEDURE my_schema.my_proc() LANGUAGE sql AS $$ INSERT INTO proc_calls VALUES ('my_proc') $$`);
    await sql(`SELECT qsched_job_exec(${bare}), qsched_job_exec(${qualified})`);
    await tick();
    expect(await sql('SELECT who FROM proc_calls ORDER BY who')).toEqual([{ who: 'my_proc' }, { who: 'proc_name' }]);
  });

  it('fixes the arguments of a function call in a block job', async () => {
    await freshTable('proc_calls', 'a text, b text');
    await sql(`CREATE OR REPLACE FUNCTION my_proc(a text, b text) RETURNS void LANGUAGE sql AS $$ INSERT INTO proc_calls VALUES (a, b) $$`);
    const id = await idFrom(`SELECT qsched_job_create_block('job name', $$BEGIN PERFORM my_proc('my_arg1', 'my_arg2'); END;$$)`);
    await sql(`SELECT qsched_job_exec(${id})`);
    await tick();
    expect(await sql('SELECT * FROM proc_calls')).toEqual([{ a: 'my_arg1', b: 'my_arg2' }]);
  });

  it("schedules job 1 every 30 seconds ('1/30 * * * * *') once the job is enabled, and stops when disabled", async () => {
    await sql(`SELECT qsched_job_create_query('job name', 'SELECT 123;')`);
    expect(await sql(`SELECT qsched_schedule_create(/* id задачи */ 1, '1/30 * * * * *')`)).toEqual([{ qsched_schedule_create: '1' }]);
    const fires = await scheduleJob(1);
    await tick();
    expect((await jobRow(fires)).next_run_at).toBeNull();

    await sql(`SELECT qsched_job_enable(/* id задачи */ 1)`);
    await tick();
    const next = (await jobRow(fires)).next_run_at as Date;
    expect([1, 31]).toContain(next.getUTCSeconds());
    expect(await sql('SELECT schedule_id, schedule, schedule_enabled FROM qsched_my_jobs WHERE job_id = 1')).toEqual([
      { schedule_id: '1', schedule: '1/30 * * * * *', schedule_enabled: true },
    ]);
    await dueSince(fires);
    await tick();
    expect(await logOf(1)).toContainEqual(expect.objectContaining({ schedule_id: '1', status: 'succeeded' }));

    await sql(`SELECT qsched_job_disable(/* id задачи */ 1)`);
    await tick();
    expect((await jobRow(fires)).next_run_at).toBeNull();
  });

  it('computes the next start dynamically after a run (one day later), and follows the schedule again once canceled', async () => {
    await sql(`SELECT qsched_job_create_query('job name', 'SELECT 123')`);
    await sql(`SELECT qsched_schedule_create(1, '* * * * * *')`);
    await sql(`SELECT qsched_job_enable(1)`);
    await sql('COMMIT');
    const fires = await scheduleJob(1);
    await tick();
    expect(((await jobRow(fires)).next_run_at as Date).getTime() - Date.now()).toBeLessThan(2_000);

    await sql(`SELECT qsched_schedule_dyn_override(1, $$CURRENT_TIMESTAMP + '1 day'$$)`);
    expect(await sql(`SELECT next_fire_statement FROM qsched_my_jobs WHERE job_id = /* id задачи */ 1`)).toEqual([
      { next_fire_statement: `CURRENT_TIMESTAMP + '1 day'` },
    ]);
    await tick();
    await dueSince(fires);
    await tick();
    const dayLater = ((await jobRow(fires)).next_run_at as Date).getTime() - Date.now();
    expect(dayLater).toBeGreaterThan(86_400_000 - 60_000);
    expect(dayLater).toBeLessThanOrEqual(86_400_000);

    await sql(`SELECT qsched_schedule_cancel_override(/* id расписания */ 1)`);
    await tick();
    expect(((await jobRow(fires)).next_run_at as Date).getTime() - Date.now()).toBeLessThan(2_000);
    expect(await sql(`SELECT next_fire_statement FROM qsched_my_jobs WHERE job_id = 1`)).toEqual([{ next_fire_statement: null }]);
  });

  it('runs the fallback SQL when the job fails, and marks a double fault when the fallback fails too', async () => {
    await freshTable('err_log_table', 'failure int');
    await sql('INSERT INTO err_log_table VALUES (0)');
    const id = await idFrom(`SELECT qsched_job_create_query('job name', 'SELECT 1/0')`);
    await sql(`SELECT qsched_job_set_fallback_sql(${id}, 'UPDATE err_log_table SET failure = 1;')`);
    await sql(`SELECT qsched_job_exec(${id})`);
    await tick();
    expect(await sql('SELECT failure FROM err_log_table')).toEqual([{ failure: 1 }]);
    expect(await sql('SELECT double_fault FROM qsched_my_log')).toEqual([{ double_fault: false }]);

    await sql('DROP TABLE err_log_table');
    await sql(`SELECT qsched_job_exec(${id})`);
    await tick();
    expect(await sql('SELECT double_fault FROM qsched_my_log ORDER BY run_id')).toEqual([{ double_fault: false }, { double_fault: true }]);

    await sql(`SELECT qsched_job_unset_fallback_sql(/* id задачи */ ${id})`);
    expect(await sql('SELECT fallback_sql FROM qsched_my_jobs')).toEqual([{ fallback_sql: null }]);
  });

  it('deletes a job with its schedules and history (qsched_job_delete)', async () => {
    await sql(`SELECT qsched_job_create_query('job name', 'SELECT 123;')`);
    await sql(`SELECT qsched_schedule_create(1, '1/30 * * * * *')`);
    await sql(`SELECT qsched_job_exec(1)`);
    await tick();
    await sql(`SELECT qsched_job_delete(1 /* oid задачи */)`);
    expect(await sql('SELECT * FROM qsched_my_jobs')).toEqual([]);
    expect(await sql('SELECT * FROM qsched_my_log')).toEqual([]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });

  it('enables and disables one schedule of a job with several', async () => {
    await sql(`SELECT qsched_job_create_query('job name', 'SELECT 123;')`);
    await sql(`SELECT qsched_schedule_create(1, '0 0 * * * *'), qsched_schedule_create(1, '0 30 * * * *')`);
    await sql(`SELECT qsched_schedule_enable(2)`);
    expect(await sql('SELECT schedule_id, schedule_enabled FROM qsched_my_jobs ORDER BY schedule_id')).toEqual([
      { schedule_id: '1', schedule_enabled: false },
      { schedule_id: '2', schedule_enabled: true },
    ]);
    await sql(`SELECT qsched_schedule_disable(2)`);
    expect(await sql('SELECT bool_or(schedule_enabled) AS any FROM qsched_my_jobs')).toEqual([{ any: false }]);
  });

  it('reports log rotation from edgecron.settings: on with Delete (0) while a retention is set, off (-1) without', async () => {
    expect(await sql('SELECT qsched_log_rotation_status() AS s, qsched_log_rotation_static_strategy() AS t, qsched_log_rotation_auto_strategy() AS a')).toEqual([
      { s: true, t: 0, a: -1 },
    ]);
    await setSettings({ retention_age: null, retention_max_runs: null });
    expect(await sql('SELECT qsched_log_rotation_status() AS s, qsched_log_rotation_static_strategy() AS t')).toEqual([{ s: false, t: -1 }]);
    await setSettings({ retention_age: '30m', retention_max_runs: 500 });
    expect(await sql('SELECT qsched_log_rotation_status() AS s')).toEqual([{ s: true }]);
  });
});

describe('QSched semantics on edgecron', () => {
  it('computes the next start dynamically only after a successful run; after a failed one it follows the cron text', async () => {
    await sql(`SELECT qsched_job_create_query('job name', 'SELECT 1/0')`);
    // Hourly: the cron's next start is within the hour, the override's a day away.
    await sql(`SELECT qsched_schedule_create(1, '0 0 * * * *')`);
    await sql(`SELECT qsched_job_enable(1)`);
    await sql(`SELECT qsched_schedule_dyn_override(1, $$CURRENT_TIMESTAMP + '1 day'$$)`);
    const fires = await scheduleJob(1);
    await tick();
    await dueSince(fires);
    await tick();
    expect((await runsOf(fires)).map((r) => r.status)).toEqual(['failed']);
    const afterFailure = await jobRow(fires);
    expect(afterFailure.state).toBe('active');
    expect((afterFailure.next_run_at as Date).getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);

    await sql(`UPDATE edgecron.job SET command = 'SELECT 123' WHERE id = $1`, [fires]);
    await tick();
    await dueSince(fires);
    await tick();
    expect((await runsOf(fires)).map((r) => r.status).slice(-1)).toEqual(['succeeded']);
    expect(((await jobRow(fires)).next_run_at as Date).getTime() - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
  });

  it('cancels the runs qsched_job_exec queued when the job is disabled', async () => {
    await sql(`SELECT qsched_job_create_query('job name', 'SELECT 123;')`);
    await sql(`SELECT qsched_schedule_create(1, '0 0 0 1 1 *')`);
    await sql(`SELECT qsched_job_enable(1)`);
    await sql(`SELECT qsched_job_exec(1), qsched_job_exec(1)`);
    await sql(`SELECT qsched_job_disable(1)`);
    await tick();
    expect((await logOf(1)).map((r) => r.status)).toEqual(['canceled', 'canceled']);
    expect(await sql(`SELECT bool_or(schedule_enabled) AS any FROM qsched_my_jobs`)).toEqual([{ any: false }]);
  });

  it('refuses cron text that cannot be a schedule when the schedule is made', async () => {
    await sql(`SELECT qsched_job_create_query('job name', 'SELECT 123;')`);
    const error = await refusal(sql(`SELECT qsched_schedule_create(1, '61 * * * * *')`));
    expect(error).toMatchObject({ code: '22023', message: 'cron: "61 * * * * *" is not a schedule', detail: 'second: 61 is out of range 0-59 in "61 * * * * *"' });
    expect(await sql('SELECT count(*)::int AS n FROM qsched.schedule')).toEqual([{ n: 0 }]);
  });

  it('never runs a job alongside itself: a schedule due while an exec runs waits for it', async () => {
    const id = await idFrom(`SELECT qsched_job_create_query('job name', 'SELECT pg_sleep(0.5)')`);
    const schedule = await idFrom(`SELECT qsched_schedule_create(${id}, '0 0 0 1 1 *')`);
    await sql(`SELECT qsched_job_enable(${id})`);
    const fires = await scheduleJob(schedule);
    await tick();
    await sql(`SELECT qsched_job_exec(${id})`);
    await dueSince(fires);
    await tick();
    const runs: RunRow[] = [...(await runsOf(id)), ...(await runsOf(fires))].sort(
      (a, b) => a.started_at!.getTime() - b.started_at!.getTime(),
    );
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(runs[1]!.started_at!.getTime()).toBeGreaterThanOrEqual(runs[0]!.finished_at!.getTime());
    expect((await logOf(id)).map((r) => r.schedule_id).sort()).toEqual([String(schedule), null].sort());
  });

  it('reports the scheduler as running while a master ticks and not paused', async () => {
    // The master writes its heartbeat every few seconds.
    await eventually(async () => {
      await tick();
      return (await sql<{ running: boolean }>('SELECT status_qsched_master() AS running'))[0]!.running;
    });
    await sql('SELECT stop_qsched_master()');
    expect(await sql('SELECT status_qsched_master() AS running')).toEqual([{ running: false }]);
    await sql('SELECT start_qsched_master()');
    expect(await sql('SELECT status_qsched_master() AS running')).toEqual([{ running: true }]);
  });
});

describe('QSched pack security', () => {
  it("shows each role its own jobs and log; another role's job cannot be run, changed or deleted", async () => {
    const bobs = await asRole(BOB, async (q) => firstValue(await q(`SELECT qsched_job_create_query('bob job', 'SELECT current_user AS who')`)));
    await asRole(BOB, (q) => q(`SELECT qsched_job_exec(${bobs})`));
    await tick();
    await asRole(ALICE, async (q) => {
      expect(await q('SELECT * FROM qsched_my_jobs')).toEqual([]);
      expect(await q('SELECT * FROM qsched_my_log')).toEqual([]);
      for (const call of [`qsched_job_exec(${bobs})`, `qsched_job_delete(${bobs})`, `qsched_schedule_create(${bobs}, '* * * * * *')`]) {
        expect((await sqlError(q(`SELECT ${call}`))).code).toBe('P0002');
      }
    });
    expect((await logOf(bobs))[0]).toMatchObject({ status: 'succeeded', result: expect.objectContaining({ rows: [{ who: BOB }] }) });
  });
});
