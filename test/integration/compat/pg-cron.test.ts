// The pg_cron pack (compat/pg_cron.sql): the examples of pg_cron's README and of the pg_cron
// article in the reference seeds (002), run as written, produce the runs they promise, read
// back through cron.job and cron.job_run_details.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { dueSince, eventually, jobRow, masterNamed, resetSettings, runsOf, tick } from '../support/engine';
import { ALICE, asRole, BOB, ensureTestRoles, sqlError } from '../support/roles';
import { firstValue, freshTable, idFrom, refusal, runDueNow } from './support';

beforeAll(ensureTestRoles);
beforeEach(async () => {
  await resetDatabase();
  await resetSettings();
});

interface RunDetail {
  jobid: string;
  runid: string;
  job_pid: number | null;
  database: string;
  username: string;
  command: string;
  status: string;
  return_message: string | null;
  start_time: Date | null;
  end_time: Date | null;
}

/** The next job gets id `id`, as in a database where the examples' earlier jobs were made. */
const nextJobIdIs = (id: number) => sql(`SELECT setval('edgecron.job_id_seq', ${id - 1})`);

const detailsOf = (jobId: number) =>
  sql<RunDetail & Record<string, unknown>>('SELECT * FROM cron.job_run_details WHERE jobid = $1 ORDER BY runid', [jobId]);

describe("pg_cron's README examples", () => {
  it('deletes old events on the Saturday 3:30 schedule, and job_run_details says DELETE 1', async () => {
    await freshTable('events', 'event_time timestamptz');
    await sql(`INSERT INTO events VALUES (now() - interval '2 weeks'), (now())`);
    const id = await idFrom(`SELECT cron.schedule('30 3 * * 6', $$DELETE FROM events WHERE event_time < now() - interval '1 week'$$)`);

    await tick();
    const next = (await jobRow(id)).next_run_at as Date;
    expect(next.getUTCDay()).toBe(6);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([3, 30]);
    await runDueNow(id);

    expect(await sql('SELECT count(*)::int AS n FROM events')).toEqual([{ n: 1 }]);
    const [detail] = await detailsOf(id);
    expect(detail).toMatchObject({
      jobid: String(id),
      database: (await sql<{ db: string }>('SELECT current_database() AS db'))[0]!.db,
      username: 'postgres',
      command: `DELETE FROM events WHERE event_time < now() - interval '1 week'`,
      status: 'succeeded',
      return_message: 'DELETE 1',
    });
    expect(detail!.job_pid).toEqual(expect.any(Number));
    expect(detail!.end_time!.getTime()).toBeGreaterThanOrEqual(detail!.start_time!.getTime());
  });

  it('replaces the schedule of nightly-vacuum by name, keeps its id, runs VACUUM, then unschedules it by name', async () => {
    const first = await idFrom(`SELECT cron.schedule('nightly-vacuum', '0 10 * * *', 'VACUUM')`);
    const second = await idFrom(`SELECT cron.schedule('nightly-vacuum', '0 3 * * *', 'VACUUM')`);
    expect(second).toBe(first);
    expect(await sql(`SELECT jobid, schedule, command, jobname FROM cron.job`)).toEqual([
      { jobid: String(first), schedule: '0 3 * * *', command: 'VACUUM', jobname: 'nightly-vacuum' },
    ]);

    await runDueNow(first);
    expect(await detailsOf(first)).toEqual([expect.objectContaining({ status: 'succeeded', return_message: 'VACUUM' })]);

    expect(await sql(`SELECT cron.unschedule('nightly-vacuum' )`)).toEqual([{ unschedule: true }]);
    expect(await sql('SELECT * FROM cron.job')).toEqual([]);
  });

  it('unschedules by id: cron.unschedule(42), 42 being what cron.schedule returned', async () => {
    await nextJobIdIs(42);
    expect(await sql(`SELECT cron.schedule('30 3 * * 6', $$DELETE FROM events WHERE event_time < now() - interval '1 week'$$)`)).toEqual([
      { schedule: '42' },
    ]);
    expect(await sql(`SELECT cron.unschedule(42)`)).toEqual([{ unschedule: true }]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });

  it('runs schedule_in_database for this database, and refuses another one as pg_cron words it', async () => {
    const missing = await sqlError(
      sql(`SELECT cron.schedule_in_database('weekly-vacuum', '0 4 * * 0', 'VACUUM', 'some_other_database')`),
    );
    expect(missing).toMatchObject({ code: '3D000', message: 'database "some_other_database" does not exist' });
    const other = await sqlError(sql(`SELECT cron.schedule_in_database('weekly-vacuum', '0 4 * * 0', 'VACUUM', 'template1')`));
    expect(other.code).toBe('0A000');
    expect(other.message).toMatch(/^cannot schedule a job in database "template1": this cron schema schedules jobs in ".+" only$/);
    expect(other.hint).toMatch(/this pack to database template1/);

    const id = await idFrom(`SELECT cron.schedule_in_database('weekly-vacuum', '0 4 * * 0', 'VACUUM', current_database())`);
    await runDueNow(id);
    expect(await detailsOf(id)).toEqual([expect.objectContaining({ status: 'succeeded', return_message: 'VACUUM' })]);
  });

  it("calls a procedure every 5 seconds ('5 seconds'), start to start, keeping at most one run waiting", async () => {
    await sql(`CREATE OR REPLACE PROCEDURE process_updates() LANGUAGE sql AS $$ SELECT 1 $$`);
    const id = await idFrom(`SELECT cron.schedule('process-updates', '5 seconds', 'CALL process_updates()')`);
    await runDueNow(id);

    const [run] = await runsOf(id);
    expect(run).toMatchObject({ status: 'succeeded' });
    const job = await jobRow(id);
    const next = (job.next_run_at as Date).getTime();
    // Anchored: every 5 seconds from the job's anchor, the first such instant after the run's slot.
    expect((next - (job.anchor_at as Date).getTime()) % 5_000).toBe(0);
    expect(next - run!.scheduled_for.getTime()).toBeGreaterThan(0);
    expect(next - run!.scheduled_for.getTime()).toBeLessThanOrEqual(5_000);
    expect(job).toMatchObject({ overlap: 'queue', queue_limit: 1 });
    expect(await detailsOf(id)).toEqual([expect.objectContaining({ status: 'succeeded', return_message: 'CALL' })]);
  });

  it("processes payroll at 12:00 on the last day of the month ('0 12 $ * *')", async () => {
    await sql(`CREATE OR REPLACE PROCEDURE process_payroll() LANGUAGE sql AS $$ SELECT 1 $$`);
    const id = await idFrom(`SELECT cron.schedule('process-payroll', '0 12 $ * *', 'CALL process_payroll()')`);
    await tick();
    const next = (await jobRow(id)).next_run_at as Date;
    const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
    expect([next.getUTCDate(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([lastDay, 12, 0]);
  });

  it('lists the latest runs and purges old ones with the delete-job-run-details job', async () => {
    const purge = await idFrom(
      `SELECT cron.schedule('delete-job-run-details', '0 12 * * *', $$DELETE FROM cron.job_run_details WHERE end_time < now() - interval '7 days'$$)`,
    );
    const other = await idFrom(`SELECT cron.schedule('0 0 1 1 *', 'select 1;')`);
    await runDueNow(other);
    await sql(`UPDATE edgecron.run SET finished_at = now() - interval '8 days' WHERE job_id = $1`, [other]);
    await runDueNow(purge);

    const latest = await sql('select * from cron.job_run_details order by start_time desc limit 5');
    expect(latest.map((r) => r.jobid)).toEqual([String(purge)]);
    expect(latest[0]).toMatchObject({ status: 'succeeded', return_message: 'DELETE 1' });
  });
});

describe('the pg_cron article in the reference seeds (002)', () => {
  it('schedules its five examples with the ids it shows (42 to 46), unschedules 42, and each other one runs', async () => {
    await freshTable('events', 'event_time timestamptz');
    await nextJobIdIs(42);
    const ids = [
      await idFrom(`SELECT cron.schedule('30 3 * * 6', $$DELETE FROM events WHERE event_time < now() - interval '1 week'$$)`),
      await idFrom(`SELECT cron.schedule('0 10 * * *', 'VACUUM')`),
      await idFrom(`SELECT cron.schedule('* * * * *', 'select 1;')`),
      await idFrom(`SELECT cron.schedule('23 * * * *', 'select 1;')`),
      await idFrom(`SELECT cron.schedule('* * 4 * *', 'select 1;')`),
    ];
    expect(ids).toEqual([42, 43, 44, 45, 46]);
    expect(await sql(`SELECT cron.unschedule(42);`)).toEqual([{ unschedule: true }]);
    const [port] = await sql<{ port: number }>('SELECT inet_server_port() AS port');
    const listed = await sql('SELECT * FROM cron.job;');
    expect(listed.map((j) => j.jobid).sort()).toEqual(['43', '44', '45', '46']);
    expect(listed.find((j) => j.jobid === '43')).toEqual({
      jobid: '43',
      schedule: '0 10 * * *',
      command: 'VACUUM',
      nodename: 'localhost',
      nodeport: port!.port,
      database: expect.any(String),
      username: 'postgres',
      active: true,
      jobname: null,
    });

    await runDueNow(...ids.slice(1));
    // DISTINCT: a minutely job may also fire on its own if a minute begins during the test.
    const messages = await sql(
      'SELECT DISTINCT jobid, status, return_message FROM cron.job_run_details WHERE jobid = ANY($1) ORDER BY jobid',
      [ids.slice(1)],
    );
    expect(messages).toEqual([
      { jobid: String(ids[1]), status: 'succeeded', return_message: 'VACUUM' },
      { jobid: String(ids[2]), status: 'succeeded', return_message: '1 row' },
      { jobid: String(ids[3]), status: 'succeeded', return_message: '1 row' },
      { jobid: String(ids[4]), status: 'succeeded', return_message: '1 row' },
    ]);
  });
});

describe('pg_cron semantics on edgecron', () => {
  it('queues a run that comes due while the previous one still runs, and starts it when that one ends', async () => {
    const id = await idFrom(`SELECT cron.schedule('0 0 1 1 *', 'SELECT pg_sleep(1)')`);
    const master = masterNamed('main');
    await tick();
    await dueSince(id);
    await master.wake('main');
    await eventually(async () => (await runsOf(id)).some((r) => r.status === 'running'));
    await dueSince(id);
    await master.wake('main');
    expect((await detailsOf(id)).map((d) => d.status)).toEqual(['running', 'starting']);
    await master.settle();
    await eventually(async () => (await detailsOf(id)).every((d) => d.status === 'succeeded'));

    const [first, second] = await detailsOf(id);
    expect(second!.start_time!.getTime()).toBeGreaterThanOrEqual(first!.end_time!.getTime());
    expect(await jobRow(id)).toMatchObject({ overlap: 'queue', queue_limit: 100 });
  });

  it('records a failed run with return_message "ERROR:  <message>"', async () => {
    const id = await idFrom(`SELECT cron.schedule('0 0 1 1 *', 'SELECT 1/0')`);
    await runDueNow(id);
    expect(await detailsOf(id)).toEqual([
      expect.objectContaining({ status: 'failed', return_message: 'ERROR:  division by zero' }),
    ]);
  });

  it('alter_job changes only what is given; active => false stops the job', async () => {
    const id = await idFrom(`SELECT cron.schedule('nightly-vacuum', '0 10 * * *', 'VACUUM')`);
    await sql(`SELECT cron.alter_job(${id}, schedule := '0 4 * * *')`);
    await sql(`SELECT cron.alter_job(job_id := ${id}, active := false)`);
    expect(await sql('SELECT schedule, command, active FROM cron.job WHERE jobid = $1', [id])).toEqual([
      { schedule: '0 4 * * *', command: 'VACUUM', active: false },
    ]);
    await tick();
    expect((await jobRow(id)).next_run_at).toBeNull();
  });

  it("keeps at most one run waiting for 'N seconds' on every schedule change, and pg_cron's unbounded queue for cron", async () => {
    const policy = async (id: number) => {
      const job = await jobRow(id);
      return [job.schedule, job.overlap, job.queue_limit];
    };
    const id = await idFrom(`SELECT cron.schedule('nightly-vacuum', '0 10 * * *', 'VACUUM')`);
    expect(await policy(id)).toEqual(['0 10 * * *', 'queue', 100]);
    await sql(`SELECT cron.alter_job(${id}, schedule := '5 seconds')`);
    expect(await policy(id)).toEqual(['5 seconds', 'queue', 1]);
    await sql(`SELECT cron.alter_job(${id}, schedule := '0 3 * * *')`);
    expect(await policy(id)).toEqual(['0 3 * * *', 'queue', 100]);
    await sql(`SELECT cron.schedule('nightly-vacuum', '10 seconds', 'VACUUM')`);
    expect(await policy(id)).toEqual(['10 seconds', 'queue', 1]);
    await sql(`SELECT cron.schedule_in_database('nightly-vacuum', '0 4 * * *', 'VACUUM', current_database())`);
    expect(await policy(id)).toEqual(['0 4 * * *', 'queue', 100]);
    await sql(`UPDATE cron.job SET schedule = '30 seconds' WHERE jobid = ${id}`);
    expect(await policy(id)).toEqual(['30 seconds', 'queue', 1]);
    // A command-only change leaves the schedule's policy as it is.
    await sql(`SELECT cron.alter_job(${id}, command := 'VACUUM ANALYZE')`);
    expect(await policy(id)).toEqual(['30 seconds', 'queue', 1]);
  });

  it('refuses schedule text pg_cron cannot read when it is given ("invalid schedule"), and makes no job', async () => {
    const id = await idFrom(`SELECT cron.schedule('nightly-vacuum', '0 10 * * *', 'VACUUM')`);
    const calls = [
      [`SELECT cron.schedule('not a cron', 'SELECT 1')`, 'not a cron', 'is not a cron expression'],
      [`SELECT cron.schedule('61 * * * *', 'SELECT 1')`, '61 * * * *', 'minute: 61 is out of range 0-59 in "61 * * * *"'],
      [`SELECT cron.schedule('named', '* * * *', 'SELECT 1')`, '* * * *', 'expected 5 fields'],
      [`SELECT cron.schedule_in_database('named', '0 25 * * *', 'SELECT 1', current_database())`, '0 25 * * *', 'hour: 25 is out of range 0-23'],
      [`SELECT cron.alter_job(${id}, schedule := '0 0 * JANUARY *')`, '0 0 * JANUARY *', 'month: "JANUARY" is not allowed'],
      [`UPDATE cron.job SET schedule = '@weekdays' WHERE jobid = ${id}`, '@weekdays', 'unknown macro "@weekdays"'],
      [`INSERT INTO cron.job (schedule, command) VALUES ('0 0 1-40 * *', 'SELECT 1')`, '0 0 1-40 * *', 'day-of-month: 40 is out of range 1-31'],
    ] as const;
    for (const [call, schedule, detail] of calls) {
      const error = await refusal(sql(call));
      expect(error).toMatchObject({ code: '22023', message: `invalid schedule: ${schedule}` });
      expect(error.detail).toContain(detail);
      expect(error.hint).toBe("Use cron format (e.g. 5 4 * * *), or interval format '[1-59] seconds'");
    }
    expect(await sql('SELECT id, schedule FROM edgecron.job')).toEqual([{ id: String(id), schedule: '0 10 * * *' }]);
    // What pg_cron reads (and edgecron's extras) passes.
    for (const schedule of ['*/5 * * * *', '0 12 $ * *', '@daily', '59 seconds', '0 9 * * MON-FRI', '0 0 * * 7']) {
      expect(await sql(`SELECT cron.alter_job(${id}, schedule := $1)`, [schedule])).toEqual([{ alter_job: '' }]);
    }
  });

  it('alter_job takes this database and another owner (for an edgecron_admin), and refuses another database', async () => {
    const id = await idFrom(`SELECT cron.schedule('nightly-vacuum', '0 10 * * *', 'VACUUM')`);
    await sql(`SELECT cron.alter_job(${id}, database := current_database())`);
    expect((await sqlError(sql(`SELECT cron.alter_job(${id}, database := 'template1')`))).code).toBe('0A000');
    expect((await sqlError(sql(`SELECT cron.alter_job(${id}, database := 'no_such_database')`))).code).toBe('3D000');
    await sql(`SELECT cron.alter_job(${id}, username := '${BOB}')`);
    expect(await sql('SELECT jobid, username FROM cron.job')).toEqual([{ jobid: String(id), username: BOB }]);
    await asRole(BOB, async (q) => {
      expect(await q('SELECT jobid, username FROM cron.job')).toEqual([{ jobid: String(id), username: BOB }]);
      expect((await sqlError(q(`SELECT cron.alter_job(${id}, username := '${ALICE}')`))).code).toBe('42501');
    });
  });

  it('schedule_in_database(…, active => false) makes a stopped job', async () => {
    const id = await idFrom(`SELECT cron.schedule_in_database('weekly-vacuum', '0 4 * * 0', 'VACUUM', current_database(), active => false)`);
    expect(await sql('SELECT active FROM cron.job WHERE jobid = $1', [id])).toEqual([{ active: false }]);
    await tick();
    expect((await jobRow(id)).next_run_at).toBeNull();
  });

  it("accepts UPDATE cron.job SET nodename = '' (pg_cron's way to use a socket) and ignores it", async () => {
    const id = await idFrom(`SELECT cron.schedule('nightly-vacuum', '0 10 * * *', 'VACUUM')`);
    const before = await sql('SELECT * FROM cron.job');
    expect(await sql(`UPDATE cron.job SET nodename = '' RETURNING jobid, nodename`)).toEqual([{ jobid: String(id), nodename: 'localhost' }]);
    await sql(`UPDATE cron.job SET nodeport = 6432, nodename = 'db.internal' WHERE jobid = ${id}`);
    expect(await sql('SELECT * FROM cron.job')).toEqual(before);
  });

  it('takes INSERT INTO cron.job as a new job, checked like cron.schedule', async () => {
    const [row] = await sql(`INSERT INTO cron.job (schedule, command, jobname) VALUES ('0 10 * * *', 'VACUUM', 'inserted') RETURNING *`);
    expect(row).toMatchObject({ schedule: '0 10 * * *', command: 'VACUUM', jobname: 'inserted', active: true, username: 'postgres' });
    expect(await jobRow(Number(row!.jobid))).toMatchObject({ name: 'inserted', overlap: 'queue' });
    expect((await sqlError(sql(`INSERT INTO cron.job (schedule, command, database) VALUES ('0 10 * * *', 'VACUUM', 'template1')`))).code).toBe(
      '0A000',
    );
  });

  it('cron.job is updatable: UPDATE … SET active and DELETE reach edgecron.job', async () => {
    const id = await idFrom(`SELECT cron.schedule('nightly-vacuum', '0 10 * * *', 'VACUUM')`);
    await sql(`UPDATE cron.job SET active = false, schedule = '0 5 * * *' WHERE jobname = 'nightly-vacuum'`);
    expect(await jobRow(id)).toMatchObject({ enabled: false, schedule: '0 5 * * *' });
    await sql(`DELETE FROM cron.job WHERE jobid = $1`, [id]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });
});

describe('pg_cron pack security', () => {
  it("shows each role its own jobs and runs, and leaves another role's job alone", async () => {
    const bobs = await asRole(BOB, async (q) => firstValue(await q(`SELECT cron.schedule('bob-job', '0 0 1 1 *', 'SELECT 1')`)));
    const alices = await asRole(ALICE, async (q) => firstValue(await q(`SELECT cron.schedule('alice-job', '0 0 1 1 *', 'SELECT 1')`)));
    await runDueNow(bobs, alices);

    await asRole(ALICE, async (q) => {
      expect(await q('SELECT jobid, username FROM cron.job')).toEqual([{ jobid: String(alices), username: ALICE }]);
      expect(await q('SELECT jobid, username, status FROM cron.job_run_details')).toEqual([
        { jobid: String(alices), username: ALICE, status: 'succeeded' },
      ]);
      expect((await sqlError(q('SELECT cron.unschedule($1::bigint)', [bobs]))).code).toBe('P0002');
      expect(await q('DELETE FROM cron.job_run_details WHERE jobid = $1 RETURNING runid', [bobs])).toEqual([]);
      expect(await q('DELETE FROM cron.job_run_details RETURNING jobid')).toEqual([{ jobid: String(alices) }]);
    });
    expect(await runsOf(bobs)).toHaveLength(1);
  });

  it('lets only an edgecron_admin schedule for another role (pg_cron: superuser)', async () => {
    const error = await asRole(ALICE, (q) =>
      sqlError(q(`SELECT cron.schedule_in_database('for-bob', '* * * * *', 'SELECT 1', current_database(), 'bob')`)),
    );
    expect(error.code).toBe('42501');
  });
});
