// The hg_job pack (compat/hg_job.sql): the examples of the HighGo how-to in the reference seeds
// (000), run as written, produce the runs they promise, read back through hgjob.job.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { dueSince, eventually, jobRow, masterNamed, resetSettings, runsOf, tick } from '../support/engine';
import { ALICE, asRole, BOB, DANA, ensureTestRoles, sqlError } from '../support/roles';
import { freshTable } from './support';

beforeAll(ensureTestRoles);
beforeEach(async () => {
  await resetDatabase();
  await resetSettings();
  await freshTable('test_t', 'info varchar, time timestamp');
});

const CREATE = `select hgjob.job_create($$insert into public.test_t (info, time) values ('jobid:1',now());$$, $$now() + interval '5 m'$$, now())`;

/** The id of the only hg_job job (the how-to reads it from hgjob.job). */
async function onlyJob(): Promise<number> {
  const rows = await sql<{ jobid: string }>('SELECT jobid FROM hgjob.job');
  expect(rows).toHaveLength(1);
  return Number(rows[0]!.jobid);
}

describe('the HighGo how-to in the reference seeds (000)', () => {
  it('creates a job that inserts into test_t now and then every 5 minutes, the next time computed before the run', async () => {
    expect(await sql(CREATE)).toEqual([{ job_create: 'Job create success' }]);
    const id = await onlyJob();
    await tick();

    expect(await sql('SELECT info FROM test_t')).toEqual([{ info: 'jobid:1' }]);
    const [job] = await sql('select jobid,jobenabled,jobnextrun,jobstartrun,jobuser,jobcount from hgjob.job');
    expect(job).toMatchObject({ jobid: String(id), jobenabled: true, jobuser: 'postgres', jobcount: '1' });
    const [run] = await runsOf(id);
    const gap = (job!.jobnextrun as Date).getTime() - run!.started_at!.getTime();
    expect(gap).toBeGreaterThan(4.9 * 60_000);
    expect(gap).toBeLessThanOrEqual(5 * 60_000);
    expect((job!.jobstartrun as Date).getTime()).toBe(run!.started_at!.getTime());

    await dueSince(id);
    await tick();
    expect(await sql('SELECT info FROM test_t')).toEqual([{ info: 'jobid:1' }, { info: 'jobid:1' }]);
  });

  it('changes what the job does and its interval with job_change', async () => {
    await sql(CREATE);
    const id = await onlyJob();
    await tick();
    expect(id).toBe(1); // an empty database: the how-to's job 1
    await sql(`select hgjob.job_change(1, $$insert into public.test_t (info, time) values ('1111',now());$$,$$now() + interval '1 m'$$ )`);
    expect(await sql('SELECT jobwhat, jobinterval FROM hgjob.job')).toEqual([
      { jobwhat: `insert into public.test_t (info, time) values ('1111',now());`, jobinterval: `now() + interval '1 m'` },
    ]);
    await tick();
    // The change keeps the next time the old interval gave (DBMS_JOB.CHANGE without next_date).
    const kept = (await jobRow(id)).next_run_at as Date;
    expect(kept.getTime() - (await runsOf(id))[0]!.started_at!.getTime()).toBeGreaterThan(4.9 * 60_000);

    await dueSince(id);
    await tick();
    expect(await sql('SELECT info FROM test_t ORDER BY time')).toEqual([{ info: 'jobid:1' }, { info: '1111' }]);
    const [run] = (await runsOf(id)).slice(-1);
    const next = (await jobRow(id)).next_run_at as Date;
    expect(next.getTime() - run!.started_at!.getTime()).toBeLessThanOrEqual(60_000);
  });

  it('stops a job (job_stop(1))', async () => {
    await sql(CREATE);
    const id = await onlyJob();
    await tick();
    expect(id).toBe(1);
    await sql(`select hgjob.job_stop(1);`);
    await tick();
    expect(await sql('SELECT jobenabled, jobnextrun FROM hgjob.job')).toEqual([{ jobenabled: false, jobnextrun: null }]);
    await sql(`UPDATE edgecron.job SET next_run_at = now() WHERE id = 1`);
    await tick();
    expect(await sql('SELECT count(*)::int AS n FROM test_t')).toEqual([{ n: 1 }]);
  });

  it("starts the how-to's stopped job 3 again at the given time (job_start(3, '2018-05-30 00:00:00'))", async () => {
    // The how-to's third job: two were made before it.
    await sql(`SELECT setval('edgecron.job_id_seq', 2)`);
    await sql(CREATE);
    expect(await onlyJob()).toBe(3);
    await tick();
    await sql(`select hgjob.job_stop(3)`);
    await tick();
    await sql(`select hgjob.job_start(3, '2018-05-30 00:00:00'); --指定任务 id、下次执行时间，启动任务`);
    await tick(); // a start time in the past is due at once
    expect(await sql('SELECT count(*)::int AS n FROM test_t')).toEqual([{ n: 2 }]);
    expect(await sql('SELECT jobid, jobenabled, jobcount FROM hgjob.job')).toEqual([{ jobid: '3', jobenabled: true, jobcount: '2' }]);
  });

  it('refuses to create a job whose statement cannot run, as hg_job checks it when created', async () => {
    const missingTable = await sqlError(sql(`select hgjob.job_create('insert into public.no_such_table values (1)', NULL, now())`));
    expect(missingTable).toMatchObject({ code: '42P01', message: 'what: relation "public.no_such_table" does not exist' });
    const badInterval = await sqlError(sql(`select hgjob.job_create('select 1', 'now() +', now())`));
    expect(badInterval.code).toBe('22023');
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });
});

describe("hg_job's other functions", () => {
  it('runs a job with no interval once and then never again', async () => {
    await sql(`select hgjob.job_create($$insert into public.test_t values ('once', now())$$, NULL)`);
    const id = await onlyJob();
    await tick();
    expect(await sql('SELECT jobinterval, jobnextrun, jobstate FROM hgjob.job')).toEqual([
      { jobinterval: null, jobnextrun: null, jobstate: 'done' },
    ]);
    expect(await runsOf(id)).toHaveLength(1);
  });

  it('sets the next run (job_nextrun), the interval (job_interval) and the statement (job_what), runs now (job_run) and deletes (job_delete)', async () => {
    await sql(`select hgjob.job_create($$insert into public.test_t values ('a', now())$$, NULL, now() + interval '1 day')`);
    const id = await onlyJob();
    await sql(`select hgjob.job_what(${id}, $$insert into public.test_t values ('b', now())$$)`);
    await sql(`select hgjob.job_interval(${id}, $$now() + interval '1 hour'$$)`);
    await sql(`select hgjob.job_nextrun(${id}, now() + interval '2 days')`);
    await tick();
    const next = (await sql<{ jobnextrun: Date }>('SELECT jobnextrun FROM hgjob.job'))[0]!.jobnextrun;
    expect(next.getTime() - Date.now()).toBeGreaterThan(47 * 3600_000);

    await sql(`select hgjob.job_run(${id})`);
    await tick();
    expect(await sql('SELECT info FROM test_t')).toEqual([{ info: 'b' }]);

    await sql(`select hgjob.job_delete(${id})`);
    expect(await sql('SELECT * FROM hgjob.job')).toEqual([]);
  });

  it('shows a running job in hgjob.jobrunning, and refuses a new interval until the run ends', async () => {
    await sql(`select hgjob.job_create('select pg_sleep(1)', NULL)`);
    const id = await onlyJob();
    const master = masterNamed('main');
    await master.wake('main');
    const [running] = await eventually(async () => {
      const rows = await sql('SELECT * FROM hgjob.jobrunning');
      return rows[0]?.jobpid != null && rows;
    });
    expect(running).toMatchObject({ jobid: String(id), jobuser: 'postgres', jobwhat: 'select pg_sleep(1)', jobpid: expect.any(Number) });
    // Its next start is known only when the run ends: a new interval now is refused.
    expect((await sqlError(sql(`select hgjob.job_interval(${id}, 'now() + interval ''1 hour''')`))).code).toBe('55000');
    await master.settle();
    expect(await sql('SELECT * FROM hgjob.jobrunning')).toEqual([]);
  });

  it('starts the scheduler again with job_launch() (edgecron.resume), for an edgecron_admin', async () => {
    await sql('SELECT edgecron.pause()');
    expect(await sql('SELECT hgjob.job_launch()')).toEqual([{ job_launch: true }]);
    expect(await sql('SELECT paused FROM edgecron.settings')).toEqual([{ paused: false }]);
    expect(await sql('SELECT hgjob.job_launch()')).toEqual([{ job_launch: false }]);
    await sql('SELECT edgecron.pause()');
    expect((await sqlError(asRole(ALICE, (q) => q('SELECT hgjob.job_launch()')))).code).toBe('42501');
    await asRole(DANA, (q) => q('SELECT hgjob.job_launch()'));
    expect(await sql('SELECT paused FROM edgecron.settings')).toEqual([{ paused: false }]);
  });

  it("shows each role its own jobs and leaves another role's jobs alone", async () => {
    await sql('GRANT INSERT ON test_t TO bob');
    await asRole(BOB, (q) => q(`select hgjob.job_create($$insert into public.test_t values ('bob', now())$$, NULL)`));
    const bobs = await onlyJob();
    await asRole(ALICE, async (q) => {
      expect(await q('SELECT * FROM hgjob.job')).toEqual([]);
      expect((await sqlError(q(`select hgjob.job_stop(${bobs})`))).code).toBe('P0002');
      expect((await sqlError(q(`select hgjob.job_delete(${bobs})`))).code).toBe('P0002');
    });
    await tick();
    expect(await sql('SELECT info FROM test_t')).toEqual([{ info: 'bob' }]);
    expect((await runsOf(bobs))[0]).toMatchObject({ role: BOB, status: 'succeeded' });
  });
});
