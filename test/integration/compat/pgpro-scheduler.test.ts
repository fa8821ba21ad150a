// The pgpro_scheduler pack (compat/pgpro_scheduler.sql): the examples of the Postgres Pro
// article in the reference seeds (004) and pgpro_scheduler's documented functions, run as
// written, produce the runs they promise, read back through schedule.* functions and views.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { dueSince, eventually, jobRow, masterNamed, resetSettings, runsOf, tick } from '../support/engine';
import { ALICE, asRole, BOB, ensureTestRoles, REPORTING, sqlError } from '../support/roles';
import { firstValue, freshTable, idFrom, refusal, runDueNow } from './support';

beforeAll(ensureTestRoles);
beforeEach(async () => {
  await resetDatabase();
  await resetSettings();
});

// The article's CDN example, as printed (its comments were lost to the page's encoding).
const BANNERS = `
DROP SCHEMA IF EXISTS banners CASCADE ;
CREATE SCHEMA banners;
SET search_path TO 'banners' ;
CREATE TYPE banner_status_t AS enum ( 'submitted' , 'distributing' , 'ready' , 'error' );
CREATE TYPE cdn_dist_status_t AS enum ( 'submitted' , 'processing' , 'ready' , 'error' );
CREATE TABLE banners (
id SERIAL PRIMARY KEY ,
title text ,
file text ,
status banner_status_t DEFAULT 'submitted'
);
CREATE TABLE cdn_servers (
id SERIAL PRIMARY KEY ,
title text ,
address text ,
active boolean
);
CREATE TABLE banner_on_cdn (
banner_id int ,
server_id int ,
created timestamp with time zone DEFAULT now(),
started timestamp with time zone ,
finished timestamp with time zone ,
url text ,
error text ,
status cdn_dist_status_t DEFAULT 'submitted'
);
CREATE INDEX banner_on_cdn_banner_server_idx ON banner_on_cdn (banner_id, server_id);
CREATE INDEX banner_on_cdn_url_idx ON banner_on_cdn (url);
CREATE FUNCTION start_banner_upload (bid int ) RETURNS bigint AS
$BODY$
DECLARE
job_id bigint ;
r record ;
dep bigint [];
sql text ;
len int ;
BEGIN
UPDATE banners SET status = 'distributing' WHERE id = bid;
dep := '{}' :: bigint [];
FOR r IN SELECT * FROM cdn_servers WHERE active is TRUE LOOP
--
INSERT INTO banner_on_cdn (banner_id, server_id) VALUES (bid, r.id);
sql := format( 'select banners.send_banner_to_server(%s, %s)' , bid, r.id);
job_id := schedule.submit_job(
sql ,
name := format( 'send banner id = %s to server %s' , bid, r.title)
);
--
dep := array_append(dep, job_id);
END LOOP ;
len := array_length(dep, 1);
IF len = 0 THEN
UPDATE banners SET status = error WHERE id = bid;
RETURN NULL ;
END IF ;
-- , ,
-- dep
job_id = schedule.submit_job(
format( 'SELECT banners.finalize_banner(%s)' , bid),
depends_on := dep,
name := format( 'finalization of banner %s' , bid)
);
RETURN job_id;
END
$BODY$
LANGUAGE plpgsql SET search_path FROM CURRENT ;
CREATE FUNCTION send_banner_to_server (bid int , sid int )
RETURNS boolean AS
$BODY$
DECLARE
banner record ;
server record ;
BEGIN
SELECT * from banners WHERE id = bid LIMIT 1 INTO banner;
SELECT * from cdn_servers WHERE id = sid LIMIT 1 INTO server;
UPDATE banner_on_cdn SET
status = 'processing' ,
started = now()
WHERE
banner_id = bid AND server_id = sid;
PERFORM pg_sleep((random()*10):: int );
UPDATE banner_on_cdn SET
url = 'http://' || server.address || '/' || banner.file,
status = 'ready' ,
finished = now()
WHERE
banner_id = bid AND server_id = sid;
RETURN TRUE ;
END ;
$BODY$
LANGUAGE plpgsql set search_path FROM CURRENT ;
CREATE FUNCTION finalize_banner (bid int )
RETURNS boolean AS
$BODY$
DECLARE
N int ;
BEGIN
SELECT count (*) FROM banner_on_cdn WHERE banner_id = bid AND status IN ( 'submitted' , 'processing' ) INTO N;
IF N > 0 THEN --
RETURN FALSE ;
END IF ;
SELECT count (*) FROM banner_on_cdn WHERE banner_id = bid AND status IN ( 'error' ) INTO N;
IF N > 0 THEN --
UPDATE banners SET status = 'error' WHERE id = bid;
RETURN FALSE ;
END IF ;
--
UPDATE banners SET status = 'ready' WHERE id = bid;
RETURN TRUE ;
END ;
$BODY$
LANGUAGE plpgsql set search_path FROM CURRENT ;
CREATE FUNCTION check_banners () RETURNS int AS
$BODY$
DECLARE
r record ;
N int ;
BEGIN
N := 0;
FOR r IN SELECT * from banners WHERE status = 'submitted' FOR UPDATE LOOP
PERFORM start_banner_upload(r.id);
N := N + 1;
END LOOP ;
RETURN N;
END ;
$BODY$
LANGUAGE plpgsql SET search_path FROM CURRENT ;
INSERT INTO cdn_servers (title, address, active)
VALUES ( 'server #1' , 'cdn1.local' , true );
INSERT INTO cdn_servers (title, address, active)
VALUES ( 'server #2' , 'cdn2.local' , true );
INSERT INTO cdn_servers (title, address, active)
VALUES ( 'server #3' , 'cdn3.local' , true );
INSERT INTO cdn_servers (title, address, active)
VALUES ( 'server #4' , 'cdn4.local' , true );
INSERT INTO banners (title, file) VALUES ( 'banner #1' , 'bbb1.jpg' );
INSERT INTO banners (title, file) VALUES ( 'banner #2' , 'bbb2.jpg' );
`;

/** A stand-in for the article's move_oldest_to_archive (it needs pg_pathman): counts its calls. */
async function archiveFunction(): Promise<void> {
  await freshTable('archive_calls', 'parent_name text, suffix text, tblsp_name text, months_hot int');
  await sql(`CREATE OR REPLACE FUNCTION move_oldest_to_archive(parent_name text, suffix text, tblsp_name text, months_hot int)
             RETURNS int LANGUAGE sql AS $$
               INSERT INTO archive_calls VALUES (parent_name, suffix, tblsp_name, months_hot) RETURNING 0 $$`);
}

describe('the Postgres Pro article in the reference seeds (004)', () => {
  it('runs a list of commands on the "23 23 */2 * *" schedule, each in its own transaction unless use_same_transaction', async () => {
    const separate = await idFrom(`SELECT schedule.create_job( '{"commands": [ "SELECT 1", "SELECT 2", "SELECT 3"], "cron": "23 23 */2 * *" }' )`);
    const together = await idFrom(
      `SELECT schedule.create_job( '{"commands": [ "SELECT 1", "SELECT 2", "SELECT 3"], "cron": "23 23 */2 * *","use_same_transaction": true}' )`,
    );
    await tick();
    const next = (await jobRow(separate)).next_run_at as Date;
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCDate() % 2]).toEqual([23, 23, 1]);
    await runDueNow(separate, together);

    expect(await sql(`SELECT * FROM schedule.get_owned_cron()`)).toEqual([
      expect.objectContaining({ id: separate, commands: ['SELECT 1', 'SELECT 2', 'SELECT 3'], use_same_transaction: false, active: true }),
      expect.objectContaining({ id: together, commands: ['SELECT 1', 'SELECT 2', 'SELECT 3'], use_same_transaction: true }),
    ]);
    const log = await sql(`SELECT cron, status, message FROM schedule.get_log() ORDER BY cron`);
    expect(log).toEqual([
      { cron: separate, status: 'done', message: null },
      { cron: together, status: 'done', message: null },
    ]);
  });

  it('keeps the first command when the second fails in its own transaction, and nothing when they share one', async () => {
    await freshTable('steps', 'n int');
    const commands = ['INSERT INTO steps VALUES (1)', 'SELECT 1/0', 'INSERT INTO steps VALUES (3)'];
    const separate = await idFrom(`SELECT schedule.create_job('{"commands": ${JSON.stringify(commands)}, "cron": "23 23 */2 * *"}')`);
    await runDueNow(separate);
    expect(await sql('SELECT n FROM steps')).toEqual([{ n: 1 }]);

    await sql('TRUNCATE steps');
    const together = await idFrom(
      `SELECT schedule.create_job('{"commands": ${JSON.stringify(commands)}, "cron": "23 23 */2 * *", "use_same_transaction": true}')`,
    );
    await runDueNow(together);
    expect(await sql('SELECT n FROM steps')).toEqual([]);
    expect(await sql(`SELECT status, message FROM schedule.get_log() WHERE cron = ${together}`)).toEqual([
      { status: 'error', message: 'division by zero' },
    ]);
  });

  it('submits the archiving function once, then schedules it daily at 7:55 (commands given as a string)', async () => {
    await archiveFunction();
    const once = await idFrom(`SELECT schedule.submit_job(query := $$ select move_oldest_to_archive( 'partitioned_log' , 'archived' , 'archive' , 24);$$)`);
    await tick();
    expect(await sql('SELECT * FROM archive_calls')).toEqual([
      { parent_name: 'partitioned_log', suffix: 'archived', tblsp_name: 'archive', months_hot: 24 },
    ]);
    expect(await sql(`SELECT id, status, is_success, error FROM schedule.job_status`)).toEqual([
      { id: String(once), status: 'done', is_success: true, error: null },
    ]);

    const daily = await idFrom(
      `SELECT schedule.create_job($$ {"commands":"SELECT move_oldest_to_archive('partitioned_log','archived', 'archive', 24);","cron":"55 7 * * *"} $$)`,
    );
    await tick();
    const next = (await jobRow(daily)).next_run_at as Date;
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([7, 55]);
    await runDueNow(daily);
    expect(await sql('SELECT count(*)::int AS n FROM archive_calls')).toEqual([{ n: 2 }]);
    expect(await sql(`SELECT cron, status FROM schedule.get_log()`)).toEqual([{ cron: daily, status: 'done' }]);
    expect(await sql(`SELECT * from schedule.get_user_log() WHERE started > now() - INTERVAL '1 day' ;`)).toEqual([
      expect.objectContaining({ cron: daily, name: null, commands: [`SELECT move_oldest_to_archive('partitioned_log','archived', 'archive', 24);`], status: 'done' }),
    ]);
  });

  it('accepts the article\'s unarchive submission, which fails when it runs (its query is not SQL), and cancels a job', async () => {
    const broken = await idFrom(`SELECT schedule.submit_job(query := $$ 'select unarchive('partitioned_log','archived');',run_after='10' $$)`);
    const later = await idFrom(`SELECT schedule.submit_job('SELECT 1', run_after := now() + interval '1 hour')`);
    expect(await sql(`SELECT schedule.cancel_job(${later})`)).toEqual([{ cancel_job: true }]);
    await tick();
    const status = await sql(`SELECT id, status, is_success, canceled, error FROM schedule.job_status ORDER BY id`);
    expect(status).toEqual([
      { id: String(broken), status: 'done', is_success: false, canceled: false, error: expect.stringMatching(/syntax error/) },
      { id: String(later), status: 'done', is_success: false, canceled: true, error: 'canceled before it started' },
    ]);
  });

  it('distributes banners: the minutely check submits one job per server and a finalization that waits for them', async () => {
    await sql(BANNERS);
    const check = await idFrom(`SELECT schedule.create_job( '* * * * *' , 'select banners.check_banners()' )`);
    await sql('RESET search_path');
    await runDueNow(check);
    expect(await sql(`SELECT count(*)::int AS n FROM schedule.job_status WHERE name LIKE 'send banner id = %'`)).toEqual([{ n: 8 }]);

    await tick(); // the eight uploads (each sleeps up to 10 s)
    await tick(); // the two finalizations, released when their uploads succeeded
    expect(await sql(`SELECT title, status::text FROM banners.banners ORDER BY id`)).toEqual([
      { title: 'banner #1', status: 'ready' },
      { title: 'banner #2', status: 'ready' },
    ]);
    expect(await sql(`SELECT count(*)::int AS n FROM banners.banner_on_cdn WHERE status = 'ready' AND url LIKE 'http://cdn_.local/bbb_.jpg'`)).toEqual([
      { n: 8 },
    ]);
    expect(await sql(`SELECT name, status, is_success FROM schedule.job_status WHERE name LIKE 'finalization%' ORDER BY name`)).toEqual([
      { name: 'finalization of banner 1', status: 'done', is_success: true },
      { name: 'finalization of banner 2', status: 'done', is_success: true },
    ]);
  }, 60_000);
});

describe("pgpro_scheduler's functions", () => {
  it('creates jobs with every positional form of create_job', async () => {
    const ids = [
      await idFrom(`SELECT schedule.create_job('0 * * * *', 'SELECT 1')`),
      await idFrom(`SELECT schedule.create_job('0 * * * *', ARRAY['SELECT 1', 'SELECT 2'])`),
      await idFrom(`SELECT schedule.create_job('2030-01-01 10:00+00'::timestamptz, 'SELECT 1')`),
      await idFrom(`SELECT schedule.create_job('2030-01-01 10:00+00'::timestamptz, ARRAY['SELECT 1', 'SELECT 2'])`),
      await idFrom(`SELECT schedule.create_job(ARRAY['2030-01-01 10:00+00', '2031-01-01 10:00+00']::timestamptz[], 'SELECT 1')`),
      await idFrom(`SELECT schedule.create_job(ARRAY['2030-01-01 10:00+00']::timestamptz[], ARRAY['SELECT 1', 'SELECT 2'], 'master')`),
    ];
    const rows = await sql(`SELECT id, schedule, dates, command, commands, day_match FROM edgecron.job ORDER BY id`);
    expect(rows.map((r) => Number(r.id))).toEqual(ids);
    expect(rows[0]).toMatchObject({ schedule: '0 * * * *', command: 'SELECT 1', day_match: 'all' });
    expect(rows[1]).toMatchObject({ commands: ['SELECT 1', 'SELECT 2'] });
    expect(rows[4]).toMatchObject({ dates: [new Date('2030-01-01T10:00:00Z'), new Date('2031-01-01T10:00:00Z')] });
  });

  it("matches a cron's day of month AND day of week, as pgpro does", async () => {
    const id = await idFrom(`SELECT schedule.create_job('0 0 13 * 5', 'SELECT 1')`);
    await tick();
    const next = (await jobRow(id)).next_run_at as Date;
    expect([next.getUTCDate(), next.getUTCDay()]).toEqual([13, 5]);
  });

  it('warns about excess keys and ignores them, as pgpro does, and reads comments as comments', async () => {
    const id = await idFrom(`SELECT schedule.create_job('{"cron": "0 * * * *", "command": "SELECT 1", "comments": "hourly", "color": "red"}')`);
    expect(await jobRow(id)).toMatchObject({ comments: 'hourly', name: null });
  });

  it('changes, deactivates, activates, reads and drops a job', async () => {
    const id = await idFrom(`SELECT schedule.create_job('{"name": "j", "cron": "0 * * * *", "command": "SELECT 1", "end_date": "2040-01-01"}')`);
    expect(await sql(`SELECT schedule.set_job_attribute(${id}, 'max_run_time', '10 minutes')`)).toEqual([{ set_job_attribute: true }]);
    await sql(`SELECT schedule.set_job_attribute(${id}, 'commands', ARRAY['SELECT 2', 'SELECT 3'])`);
    await sql(`SELECT schedule.set_job_attributes(${id}, '{"cron": "30 * * * *", "end_date": "null", "onrollback": "SELECT 0"}')`);
    expect(await sql(`SELECT schedule.set_job_attributes(${id}, '{}')`)).toEqual([{ set_job_attributes: false }]);
    expect(await sql(`SELECT schedule.deactivate_job(${id})`)).toEqual([{ deactivate_job: true }]);
    expect(await sql(`SELECT * FROM schedule.get_job(${id})`)).toEqual([
      expect.objectContaining({
        id,
        node: 'master',
        name: 'j',
        rule: { crontab: '30 * * * *' },
        commands: ['SELECT 2', 'SELECT 3'],
        end_date: null,
        max_run_time: expect.objectContaining({ minutes: 10 }),
        onrollback: 'SELECT 0',
        active: false,
        broken: false,
      }),
    ]);
    await sql(`SELECT schedule.activate_job(${id})`);
    expect(await sql(`SELECT active FROM schedule.get_owned_cron()`)).toEqual([{ active: true }]);
    expect(await sql(`SELECT schedule.drop_job(${id})`)).toEqual([{ drop_job: true }]);
    expect(await sql(`SELECT * FROM schedule.get_cron()`)).toEqual([]);
  });

  it('lists running jobs with get_active_jobs while they run', async () => {
    const id = await idFrom(`SELECT schedule.create_job('{"cron": "0 0 1 1 *", "command": "SELECT pg_sleep(1)"}')`);
    const master = masterNamed('main');
    await tick();
    await dueSince(id);
    await master.wake('main');
    await eventually(async () => (await runsOf(id)).some((r) => r.status === 'running'));
    expect(await sql(`SELECT cron, status FROM schedule.get_active_jobs()`)).toEqual([{ cron: id, status: 'working' }]);
    expect(await sql(`SELECT cron FROM schedule.get_user_active_jobs()`)).toEqual([{ cron: id }]);
    await master.settle();
    expect(await sql(`SELECT * FROM schedule.get_active_jobs()`)).toEqual([]);
  });

  it('empties the log with clean_log', async () => {
    const id = await idFrom(`SELECT schedule.create_job('0 0 1 1 *', 'SELECT 1')`);
    await runDueNow(id);
    expect(await sql(`SELECT schedule.clean_log()`)).toEqual([{ clean_log: 1 }]);
    expect(await sql(`SELECT * FROM schedule.get_log()`)).toEqual([]);
  });

  it('submits a job with every submit_job parameter, and runs it with its parameters bound', async () => {
    const id = await asRole(ALICE, async (q) =>
      firstValue(
        await q(`SELECT schedule.submit_job('SELECT $1::int + $2::int AS sum, current_user AS who', ARRAY['1', '2'], now(), 'master',
                                             '1 minute', '10 minutes', '${REPORTING}', NULL, 'adder', 'adds', 5)`),
      ),
    );
    expect(await jobRow(id)).toMatchObject({
      run_as: REPORTING,
      name: 'adder',
      comments: 'adds',
      resubmit_limit: 5,
      max_run_time: expect.objectContaining({ minutes: 1 }),
      max_wait: expect.objectContaining({ minutes: 10 }),
    });
    await tick();
    expect((await runsOf(id))[0]).toMatchObject({ status: 'succeeded', result: expect.objectContaining({ rows: [{ sum: 3, who: REPORTING }] }) });
    const status = await asRole(ALICE, (q) => q(`SELECT name, query, params, run_as, max_duration, status, is_success FROM schedule.job_status`));
    expect(status).toEqual([
      expect.objectContaining({ name: 'adder', params: ['1', '2'], run_as: REPORTING, status: 'done', is_success: true }),
    ]);
  });

  it('starts a job after the jobs it depends on, and knows its own id (get_self_id)', async () => {
    const first = await idFrom(`SELECT schedule.submit_job('SELECT 1')`);
    const then = await idFrom(`SELECT schedule.submit_job('SELECT schedule.get_self_id() AS me', depends_on := ARRAY[${first}]::bigint[])`);
    await tick();
    await tick();
    expect((await runsOf(then))[0]).toMatchObject({ status: 'succeeded', result: expect.objectContaining({ rows: [{ me: String(then) }] }) });
  });

  it('resubmits a job from inside it up to resubmit_limit, then fails it with "Cannot resubmit: limit reached"', async () => {
    const id = await idFrom(`SELECT schedule.submit_job('SELECT schedule.resubmit()', resubmit_limit := 2)`);
    for (let i = 0; i < 3; i++) await tick();
    expect((await runsOf(id)).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(await sql(`SELECT attempt, status, is_success, error FROM schedule.job_status`)).toEqual([
      { attempt: '2', status: 'done', is_success: false, error: 'Cannot resubmit: limit reached' },
    ]);
  });
});

describe("pgpro_scheduler's listings by role", () => {
  it('lists the jobs running as a role (get_user_cron) apart from those it owns (get_user_owned_cron)', async () => {
    const [own, asReporting] = await asRole(ALICE, async (q) => [
      firstValue(await q(`SELECT schedule.create_job('0 0 1 1 *', 'SELECT 1')`)),
      firstValue(await q(`SELECT schedule.create_job('{"cron": "0 0 1 1 *", "command": "SELECT 2", "run_as": "${REPORTING}"}')`)),
    ]);
    const listed = (rows: Array<Record<string, unknown>>) => rows.map((r) => [r.id, r.owner, r.run_as]);
    await asRole(ALICE, async (q) => {
      expect(listed(await q('SELECT * FROM schedule.get_user_owned_cron()'))).toEqual([
        [own, ALICE, ALICE],
        [asReporting, ALICE, REPORTING],
      ]);
      expect(listed(await q('SELECT * FROM schedule.get_user_cron()'))).toEqual([[own, ALICE, ALICE]]);
      expect(await q(`SELECT * FROM schedule.get_user_owned_cron('${ALICE}')`)).toHaveLength(2);
      expect((await sqlError(q(`SELECT * FROM schedule.get_user_cron('${REPORTING}')`))).code).toBe('42501');
    });
    expect(listed(await sql(`SELECT * FROM schedule.get_user_cron('${REPORTING}')`))).toEqual([[asReporting, ALICE, REPORTING]]);
    expect(listed(await sql(`SELECT * FROM schedule.get_user_owned_cron('${ALICE}')`))).toHaveLength(2);
    expect(await sql(`SELECT * FROM schedule.get_user_owned_cron()`)).toEqual([]);
  });

  it("lists a role's running jobs with get_active_jobs(usename)", async () => {
    const id = await asRole(ALICE, async (q) => firstValue(await q(`SELECT schedule.create_job('0 0 1 1 *', 'SELECT pg_sleep(1)')`)));
    const master = masterNamed('main');
    await tick();
    await dueSince(id);
    await master.wake('main');
    await eventually(async () => (await runsOf(id)).some((r) => r.status === 'running'));
    expect(await sql(`SELECT cron, run_as, status FROM schedule.get_active_jobs('${ALICE}')`)).toEqual([
      { cron: id, run_as: ALICE, status: 'working' },
    ]);
    expect(await sql(`SELECT * FROM schedule.get_active_jobs('${BOB}')`)).toEqual([]);
    await master.settle();
  });

  it("shows every role's at jobs with their owner in all_job_status (to an admin), and a role its own", async () => {
    const alices = await asRole(ALICE, async (q) => firstValue(await q(`SELECT schedule.submit_job('SELECT 1', run_after := now() + interval '1 day')`)));
    const mine = await idFrom(`SELECT schedule.submit_job('SELECT 2', run_after := now() + interval '1 day')`);
    expect(await sql('SELECT id, owner, run_as, status FROM schedule.all_job_status ORDER BY id')).toEqual([
      { id: String(alices), owner: ALICE, run_as: ALICE, status: 'submitted' },
      { id: String(mine), owner: 'postgres', run_as: 'postgres', status: 'submitted' },
    ]);
    await asRole(ALICE, async (q) => {
      expect(await q('SELECT id, owner FROM schedule.all_job_status')).toEqual([{ id: String(alices), owner: ALICE }]);
      expect(await q('SELECT id FROM schedule.job_status')).toEqual([{ id: String(alices) }]);
    });
  });
});

describe("pgpro_scheduler's schedules and next times", () => {
  it('refuses cron text pgpro cannot read when the job is made or changed, with pgpro\'s message', async () => {
    const wrong = await refusal(sql(`SELECT schedule.create_job('bogus', 'SELECT 1')`));
    expect(wrong).toMatchObject({ code: '22023', message: 'cron string wrong format (55)' });
    expect(wrong.detail).toMatch(/"bogus" is not a cron expression/);
    expect(await refusal(sql(`SELECT schedule.create_job('61 * * * *', 'SELECT 1')`))).toMatchObject({
      message: '61 is out of range (12)',
      detail: 'minute: 61 is out of range 0-59 in "61 * * * *"',
    });
    expect((await refusal(sql(`SELECT schedule.create_job('{"cron": "0 0 * * * * *", "command": "SELECT 1"}')`))).message).toBe(
      'cron string wrong format (55)',
    );
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
    const id = await idFrom(`SELECT schedule.create_job('0 * * * *', 'SELECT 1')`);
    expect((await refusal(sql(`SELECT schedule.set_job_attribute(${id}, 'cron', '0 5-1 * * *')`))).message).toBe('bad  range: 5 - 1 (2)');
    expect(await sql(`SELECT rule FROM schedule.get_job(${id})`)).toEqual([{ rule: { crontab: '0 * * * *' } }]);
  });

  it('refuses cron with dates (pgpro fires at both): an edgecron job has one schedule', async () => {
    const error = await refusal(
      sql(`SELECT schedule.create_job('{"cron": "0 * * * *", "dates": ["2030-01-01 10:00+00"], "command": "SELECT 1"}')`),
    );
    expect(error).toMatchObject({ code: '22023', message: 'dates: cannot be combined with cron; an edgecron job has one schedule' });
    expect(error.detail).toMatch(/at its cron \(or rule\) times and at its dates/);
    expect((await refusal(sql(`SELECT schedule.create_job('{"rule": {"hours": [9]}, "cron": "0 9 * * *", "command": "SELECT 1"}')`))).code).toBe(
      '22023',
    );
  });

  it('gives cron2jsontext and nodename as pgpro does', async () => {
    expect(await sql(`SELECT schedule.cron2jsontext('*/20 9-11 1,15 JAN-MAR SAT,SUN')::jsonb AS rule`)).toEqual([
      {
        rule: {
          crontab: '*/20 9-11 1,15 JAN-MAR SAT,SUN',
          minutes: [0, 20, 40],
          hours: [9, 10, 11],
          days: [1, 15],
          months: [1, 2, 3],
          wdays: [0, 6],
        },
      },
    ]);
    expect(await sql(`SELECT schedule.cron2jsontext('@reboot') AS t`)).toEqual([{ t: '{ "crontab": "@reboot", "onstart": 1}' }]);
    expect((await refusal(sql(`SELECT schedule.cron2jsontext('* * *')`))).message).toBe('cron string wrong format (55)');
    expect(await sql('SELECT schedule.nodename()')).toEqual([{ nodename: 'master' }]);
  });

  it("lets next_time_statement read schedule.transaction_state, as pgpro's README and tests do", async () => {
    await freshTable('result5', 'time_mark timestamptz, text text');
    // pgpro_scheduler's own test function (test/perl), reading the state with SHOW.
    await sql(`CREATE OR REPLACE FUNCTION get_next_time() RETURNS TIMESTAMP WITH TIME ZONE AS $BODY$
               DECLARE state text;
               BEGIN
                 EXECUTE 'show schedule.transaction_state' INTO state;
                 INSERT INTO result5 (time_mark, text) values (now(), 'transaction result: ' || state);
                 RETURN now() + '00:05:15'::interval;
               END $BODY$ LANGUAGE plpgsql`);
    const ok = await idFrom(`SELECT schedule.create_job('{"cron": "0 0 1 1 *", "command": "SELECT 1", "next_time_statement": "SELECT get_next_time()"}')`);
    const failing = await idFrom(
      `SELECT schedule.create_job('{"cron": "0 0 1 1 *", "command": "SELECT 1/0", "next_time_statement": "SELECT CASE WHEN current_setting(''schedule.transaction_state'') = ''failure'' THEN now() + interval ''1 day'' END"}')`,
    );
    await runDueNow(ok, failing);
    expect(await sql('SELECT text FROM result5')).toEqual([{ text: 'transaction result: success' }]);
    const okNext = (await jobRow(ok)).next_run_at as Date;
    expect(okNext.getTime() - Date.now()).toBeGreaterThan(5 * 60_000);
    expect(okNext.getTime() - Date.now()).toBeLessThanOrEqual(315_000);
    const failingJob = await jobRow(failing);
    expect(failingJob.state).toBe('active');
    expect((failingJob.next_run_at as Date).getTime() - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
  });
});

describe('pgpro_scheduler pack security', () => {
  it('refuses run_as a role the caller is not a member of (pgpro 2.1 only checked that it exists)', async () => {
    await asRole(ALICE, async (q) => {
      expect((await sqlError(q(`SELECT schedule.submit_job('SELECT 1', run_as := 'bob')`))).code).toBe('42501');
      expect((await sqlError(q(`SELECT schedule.submit_job('SELECT 1', run_as := 'postgres')`))).code).toBe('42501');
      expect((await sqlError(q(`SELECT schedule.create_job('{"cron": "* * * * *", "command": "SELECT 1", "run_as": "bob"}')`))).code).toBe('42501');
    });
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });

  it("keeps other roles' jobs and logs to edgecron_admin ('access denied', as pgpro does for non-superusers)", async () => {
    const bobs = await asRole(BOB, async (q) => firstValue(await q(`SELECT schedule.create_job('0 0 1 1 *', 'SELECT 1')`)));
    await runDueNow(bobs);
    await asRole(ALICE, async (q) => {
      expect(await q(`SELECT * FROM schedule.get_owned_cron()`)).toEqual([]);
      expect(await q(`SELECT * FROM schedule.get_user_log()`)).toEqual([]);
      for (const call of ['get_cron()', 'get_log()', `get_user_log('bob')`, `get_owned_cron('bob')`, 'clean_log()']) {
        expect(await sqlError(q(`SELECT * FROM schedule.${call}`))).toMatchObject({ code: '42501', message: 'access denied' });
      }
      expect((await sqlError(q(`SELECT schedule.drop_job(${bobs})`))).code).toBe('P0002');
      expect(await q(`SELECT schedule.cancel_job(${bobs})`)).toEqual([{ cancel_job: false }]);
    });
    expect(await sql(`SELECT cron FROM schedule.get_log('bob')`)).toEqual([{ cron: bobs }]);
  });
});
