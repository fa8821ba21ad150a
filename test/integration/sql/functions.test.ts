// The job functions of drizzle/0002_sql_interface.sql, called as a scheduling role (alice), as a
// DBA would from psql and the API does under SET ROLE.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { ALICE, asRole, DANA, ensureTestRoles, sqlError } from '../support/roles';

beforeAll(ensureTestRoles);
beforeEach(resetDatabase);

const idOf = (rows: Array<Record<string, unknown>>): number => Number(Object.values(rows[0]!)[0]);

async function jobRow(id: number): Promise<Record<string, unknown>> {
  const [row] = await sql('SELECT * FROM edgecron.job WHERE id = $1', [id]);
  if (!row) throw new Error(`job ${id} not found`);
  return row;
}

describe('create_job(jsonb)', () => {
  it('makes a recurring job owned by the caller, each key in its column', async () => {
    const id = await asRole(ALICE, async (q) =>
      idOf(
        await q(`SELECT edgecron.create_job($1::jsonb)`, [
          JSON.stringify({
            name: 'nightly',
            cron: '0 3 * * *',
            command: 'VACUUM',
            timezone: 'Europe/Berlin',
            last_start_available: '5 minutes',
            onrollback: 'SELECT 1',
            start_date: '2030-01-01T00:00:00Z',
            retry: { max_attempts: 3, backoff: '30 seconds', broken_after: 16 },
            overlap: 'queue',
            priority: 5,
          }),
        ]),
      ),
    );
    expect(await jobRow(id)).toMatchObject({
      owner: ALICE,
      kind: 'recurring',
      name: 'nightly',
      schedule: '0 3 * * *',
      command: 'VACUUM',
      timezone: 'Europe/Berlin',
      max_wait: expect.objectContaining({ minutes: 5 }),
      fallback: 'SELECT 1',
      start_at: new Date('2030-01-01T00:00:00Z'),
      max_attempts: 3,
      retry_backoff: expect.objectContaining({ seconds: 30 }),
      broken_after: 16,
      overlap: 'queue',
      priority: 5,
      state: 'active',
      enabled: true,
    });
  });

  it('takes a pgpro rule, a single date or a list of commands', async () => {
    const [ruleJob, dateJob] = await asRole(ALICE, async (q) => [
      idOf(await q(`SELECT edgecron.create_job('{"rule": {"minutes": [0, 30]}, "commands": ["SELECT 1", "SELECT 2"]}')`)),
      idOf(await q(`SELECT edgecron.create_job('{"date": "2030-06-01 12:00+00", "command": "SELECT 1"}')`)),
    ]);
    expect(await jobRow(ruleJob)).toMatchObject({ rule: { minutes: [0, 30] }, commands: ['SELECT 1', 'SELECT 2'], command: null });
    expect(await jobRow(dateJob)).toMatchObject({ dates: [new Date('2030-06-01T12:00:00Z')], kind: 'recurring' });
  });

  it('refuses unknown keys by name', async () => {
    const error = await asRole(ALICE, (q) =>
      sqlError(q(`SELECT edgecron.create_job('{"cron": "* * * * *", "command": "SELECT 1", "foo": 1, "bar": 2}')`)),
    );
    expect(error).toMatchObject({ code: '22023', message: 'unknown key(s): bar, foo' });
  });

  it.each([
    [{ command: 'SELECT 1' }, 'schedule: missing; give exactly one of schedule, cron, rule, date, dates'],
    [{ cron: '* * * * *' }, 'command: missing; give exactly one of command, commands'],
    [{ cron: '* * * * *', schedule: '* * * * *', command: 'SELECT 1' }, 'cron: cannot be combined with schedule; give one of schedule, cron, rule, date, dates'],
    [{ cron: '* * * * *', command: 'SELECT 1', max_wait: '1 min', last_start_available: '2 min' }, 'max_wait: cannot be combined with last_start_available; give one of last_start_available, max_wait, max_wait_interval'],
    [{ cron: '* * * * *', command: 'SELECT 1', max_instances: 0 }, 'max_instances: must be an integer ≥ 1, got 0'],
    [{ cron: '* * * * *', command: 'SELECT 1', max_run_time: 'forever' }, `max_run_time: must be an interval such as '5 minutes', got "forever"`],
    [{ cron: '* * * * *', command: 'SELECT 1', start_date: 'soon' }, `start_date: must be a timestamp such as '2030-01-01 09:00+01', got "soon"`],
    [{ cron: '* * * * *', command: 'SELECT 1', overlap: 'allow' }, 'overlap: must be one of skip, queue, got "allow"'],
    [{ cron: '* * * * *', command: 'SELECT 1', enabled: 'yes' }, 'enabled: must be true or false, got "yes"'],
    [{ cron: '* * * * *', command: 'SELECT 1', retry: { attempts: 3 } }, 'retry: unknown key(s): attempts; allowed keys are max_attempts, backoff, backoff_max, broken_after'],
    [{ cron: '* * * * *', command: '  ' }, 'command: must not be empty'],
    [{ cron: '* * * * *', command: 'SELECT 1', timezone: 'Mars/Olympus_Mons' }, 'timezone: "Mars/Olympus_Mons" is not a known time zone'],
    [{ cron: '@every 5 parsecs', command: 'SELECT 1' }, 'schedule: "5 parsecs" is not an interval in "@every 5 parsecs"'],
    [{ cron: '@every 1 month', command: 'SELECT 1' }, 'schedule: months and years have no fixed length in "@every 1 month"; use a cron expression'],
  ])('refuses %j with 22023: %s', async (keys, message) => {
    const error = await asRole(ALICE, (q) => sqlError(q(`SELECT edgecron.create_job($1::jsonb)`, [JSON.stringify(keys)])));
    expect(error).toMatchObject({ code: '22023', message });
  });

  it("refuses a name the caller's jobs already have with 23505", async () => {
    const error = await asRole(ALICE, async (q) => {
      await q(`SELECT edgecron.create_job('{"name": "dup", "cron": "* * * * *", "command": "SELECT 1"}')`);
      return sqlError(q(`SELECT edgecron.create_job('{"name": "dup", "cron": "0 * * * *", "command": "SELECT 2"}')`));
    });
    expect(error).toMatchObject({ code: '23505', message: 'name: role "alice" already has a job named "dup"' });
  });
});

describe('submit_job', () => {
  it("takes pgpro_scheduler's parameters and makes a one-time job", async () => {
    const id = await asRole(ALICE, async (q) =>
      idOf(
        await q(
          `SELECT edgecron.submit_job('SELECT $1::int + $2::int', params => ARRAY['1', '2'],
             run_after => '2030-01-01 00:00+00', max_duration => '1 minute', max_wait_interval => '10 minutes',
             name => 'once', comments => 'adds', resubmit_limit => 3)`,
        ),
      ),
    );
    expect(await jobRow(id)).toMatchObject({
      owner: ALICE,
      kind: 'one_time',
      command: 'SELECT $1::int + $2::int',
      params: ['1', '2'],
      run_after: new Date('2030-01-01T00:00:00Z'),
      max_run_time: expect.objectContaining({ minutes: 1 }),
      max_wait: expect.objectContaining({ minutes: 10 }),
      name: 'once',
      comments: 'adds',
      resubmit_limit: 3,
      next_run_at: null,
    });
  });

  it('takes the one-time job keys as jsonb, with edgecron policies', async () => {
    const id = await asRole(ALICE, async (q) =>
      idOf(
        await q(`SELECT edgecron.submit_job($1::jsonb)`, [
          JSON.stringify({ query: 'SELECT $1', params: [42], retry: { max_attempts: 2 }, priority: 7, delete_after_success: true, fallback: 'SELECT 0' }),
        ]),
      ),
    );
    expect(await jobRow(id)).toMatchObject({
      kind: 'one_time',
      params: [42],
      max_attempts: 2,
      priority: 7,
      delete_after_success: true,
      fallback: 'SELECT 0',
    });
  });

  it('refuses recurring keys, run_after with depends_on, and dependencies the caller cannot see', async () => {
    const bobJob = Number((await sql<{ id: string }>(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ('bob', '* * * * *', 'SELECT 1') RETURNING id`))[0]!.id);
    const errors = await asRole(ALICE, async (q) => [
      await sqlError(q(`SELECT edgecron.submit_job('{"query": "SELECT 1", "cron": "* * * * *"}'::jsonb)`)),
      await sqlError(q(`SELECT edgecron.submit_job('SELECT 1', run_after => now(), depends_on => ARRAY[1])`)),
      await sqlError(q(`SELECT edgecron.submit_job('SELECT 1', depends_on => ARRAY[$1::bigint])`, [bobJob])),
      await sqlError(q(`SELECT edgecron.submit_job('{"params": [1]}'::jsonb)`)),
    ]);
    expect(errors).toEqual([
      { code: '22023', message: 'unknown key(s): cron', hint: 'A recurring job is made with edgecron.create_job.' },
      { code: '22023', message: 'run_after, depends_on: conflict in start time; give one' },
      { code: '22023', message: `depends_on: no job ${bobJob} visible to you` },
      { code: '22023', message: 'query: missing; give the SQL to run' },
    ]);
  });

  it('says so when job keys are passed as text instead of jsonb', async () => {
    const error = await asRole(ALICE, (q) => sqlError(q(`SELECT edgecron.submit_job('{"query": "SELECT 1"}')`)));
    expect(error).toMatchObject({ code: '22023', message: 'query: is JSON job keys, not SQL' });
    expect(error.hint).toMatch(/::jsonb/);
  });
});

describe('schedule and unschedule', () => {
  it("upserts by name within the caller's jobs, as pg_cron does", async () => {
    const [first, second, other] = await asRole(ALICE, async (q) => [
      idOf(await q(`SELECT edgecron.schedule('report', '0 * * * *', 'SELECT 1')`)),
      idOf(await q(`SELECT edgecron.schedule('report', '*/5 * * * *', 'SELECT 2', timezone => 'Asia/Tokyo')`)),
      idOf(await q(`SELECT edgecron.schedule('0 0 * * *', 'SELECT 3')`)),
    ]);
    const bobs = await asRole('bob', async (q) => idOf(await q(`SELECT edgecron.schedule('report', '0 * * * *', 'SELECT 1')`)));
    expect(second).toBe(first);
    expect(new Set([first, other, bobs]).size).toBe(3);
    expect(await jobRow(first)).toMatchObject({ owner: ALICE, schedule: '*/5 * * * *', command: 'SELECT 2', timezone: 'Asia/Tokyo' });
    expect(await jobRow(other)).toMatchObject({ owner: ALICE, name: null, schedule: '0 0 * * *' });
    expect(await jobRow(bobs)).toMatchObject({ owner: 'bob', name: 'report' });
  });

  it('unschedules by id or by name, and says 404 (P0002) for a job it cannot find', async () => {
    const result = await asRole(ALICE, async (q) => {
      const a = idOf(await q(`SELECT edgecron.schedule('a', '* * * * *', 'SELECT 1')`));
      await q(`SELECT edgecron.schedule('b', '* * * * *', 'SELECT 1')`);
      const byId = await q(`SELECT edgecron.unschedule($1::bigint) AS ok`, [a]);
      const byName = await q(`SELECT edgecron.unschedule('b') AS ok`);
      const missing = await sqlError(q(`SELECT edgecron.unschedule($1::bigint)`, [a]));
      const missingName = await sqlError(q(`SELECT edgecron.unschedule('b')`));
      return { byId, byName, missing, missingName };
    });
    expect(result.byId).toEqual([{ ok: true }]);
    expect(result.byName).toEqual([{ ok: true }]);
    expect(result.missing).toMatchObject({ code: 'P0002', message: expect.stringMatching(/^job \d+ not found$/) });
    expect(result.missingName).toMatchObject({ code: 'P0002', message: 'job "b" not found' });
    expect(await sql('SELECT id FROM edgecron.job')).toEqual([]);
  });
});

describe('alter_job', () => {
  it('changes what is given and leaves NULL arguments as they are (pg_cron)', async () => {
    const id = await asRole(ALICE, async (q) => {
      const job = idOf(await q(`SELECT edgecron.schedule('j', '0 * * * *', 'SELECT 1')`));
      await q(`SELECT edgecron.alter_job($1, schedule => '*/2 * * * *')`, [job]);
      await q(`SELECT edgecron.alter_job($1, active => false)`, [job]);
      return job;
    });
    expect(await jobRow(id)).toMatchObject({ schedule: '*/2 * * * *', command: 'SELECT 1', enabled: false });
    const error = await asRole(ALICE, (q) => sqlError(q(`SELECT edgecron.alter_job($1, database => 'elsewhere')`, [id])));
    expect(error).toMatchObject({ code: '22023', message: expect.stringMatching(/^database: a job runs in the database that holds it/) });
  });

  it('takes job keys as jsonb: a new schedule key replaces the old one, null resets a key', async () => {
    const id = await asRole(ALICE, async (q) => {
      const job = idOf(
        await q(`SELECT edgecron.create_job('{"rule": {"hours": [9]}, "command": "SELECT 1", "max_run_time": "1 min", "priority": 3}')`),
      );
      await q(`SELECT edgecron.alter_job($1, '{"cron": "0 9 * * 1-5", "max_run_time": null, "priority": null}'::jsonb)`, [job]);
      return job;
    });
    expect(await jobRow(id)).toMatchObject({ schedule: '0 9 * * 1-5', rule: null, max_run_time: null, priority: 0 });
  });

  it('refuses unknown keys, jobs it cannot find, and taking away what a job runs or when', async () => {
    const errors = await asRole(ALICE, async (q) => {
      const job = idOf(await q(`SELECT edgecron.schedule('j', '0 * * * *', 'SELECT 1')`));
      return [
        await sqlError(q(`SELECT edgecron.alter_job($1, '{"colour": "red"}'::jsonb)`, [job])),
        await sqlError(q(`SELECT edgecron.alter_job(999999, '{"priority": 1}'::jsonb)`)),
        await sqlError(q(`SELECT edgecron.alter_job($1, '{"cron": null}'::jsonb)`, [job])),
      ];
    });
    expect(errors).toEqual([
      { code: '22023', message: 'unknown key(s): colour' },
      { code: 'P0002', message: 'job 999999 not found' },
      { code: '22023', message: 'cron: cannot be null; give a new value instead' },
    ]);
  });
});

describe('run_job, cancel_job, enable_job and disable_job', () => {
  it('run_job queues a run now, owned by the job owner, one per call', async () => {
    const { job, runs } = await asRole(ALICE, async (q) => {
      const job = idOf(await q(`SELECT edgecron.schedule('j', '0 0 1 1 *', 'SELECT 1')`));
      await q('BEGIN');
      const runs = [idOf(await q(`SELECT edgecron.run_job($1)`, [job])), idOf(await q(`SELECT edgecron.run_job($1)`, [job]))];
      await q('COMMIT');
      return { job, runs };
    });
    const rows = await sql(`SELECT id, job_id, owner, status, reason, attempt, scheduled_for <= now() AS due
                              FROM edgecron.run ORDER BY id`);
    expect(rows).toEqual(
      runs.map((id) => ({ id: String(id), job_id: String(job), owner: ALICE, status: 'queued', reason: 'run now', attempt: 1, due: true })),
    );
  });

  it('cancel_job cancels queued runs and asks the master to cancel running ones', async () => {
    const job = await asRole(ALICE, async (q) => idOf(await q(`SELECT edgecron.schedule('j', '* * * * *', 'SELECT 1')`)));
    await sql(
      `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, started_at)
       VALUES ($1, 'alice', now() - interval '2 min', 'running', now()), ($1, 'alice', now() - interval '1 min', 'queued', NULL),
              ($1, 'alice', now() - interval '3 min', 'succeeded', NULL)`,
      [job],
    );
    const canceled = await asRole(ALICE, (q) => q(`SELECT edgecron.cancel_job($1) AS canceled`, [job]));
    expect(canceled).toEqual([{ canceled: true }]);
    const runs = await sql(
      `SELECT status, cancel_requested, finished_at IS NOT NULL AS finished, reason FROM edgecron.run ORDER BY scheduled_for`,
    );
    expect(runs).toEqual([
      { status: 'succeeded', cancel_requested: false, finished: false, reason: null },
      { status: 'running', cancel_requested: true, finished: false, reason: null },
      { status: 'canceled', cancel_requested: false, finished: true, reason: 'canceled by alice' },
    ]);
    expect((await jobRow(job)).state).toBe('active');
  });

  it('cancel_job ends a one-time job that has not started with a canceled run', async () => {
    const job = await asRole(ALICE, async (q) => idOf(await q(`SELECT edgecron.submit_job('SELECT 1', run_after => now() + interval '1 hour')`)));
    const results = await asRole(ALICE, async (q) => [
      await q(`SELECT edgecron.cancel_job($1) AS canceled`, [job]),
      await q(`SELECT edgecron.cancel_job($1) AS canceled`, [job]),
      await sqlError(q(`SELECT edgecron.cancel_job(999999)`)),
    ]);
    expect(results).toEqual([[{ canceled: true }], [{ canceled: false }], { code: 'P0002', message: 'job 999999 not found' }]);
    expect((await jobRow(job)).state).toBe('done');
    expect(await sql(`SELECT owner, status, reason FROM edgecron.run WHERE job_id = $1`, [job])).toEqual([
      { owner: ALICE, status: 'canceled', reason: 'canceled before it started' },
    ]);
  });

  it('cancel_job called by the table owner (as the API admin is) writes what it writes for a user', async () => {
    const [recurring, once] = await asRole(ALICE, async (q) => [
      idOf(await q(`SELECT edgecron.schedule('r', '* * * * *', 'SELECT 1')`)),
      idOf(await q(`SELECT edgecron.submit_job('SELECT 1', run_after => now() + interval '1 hour')`)),
    ]);
    await sql(
      `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, started_at)
       VALUES ($1, 'alice', now() - interval '2 min', 'running', now()), ($1, 'alice', now() - interval '1 min', 'queued', NULL)`,
      [recurring],
    );
    expect(await sql(`SELECT edgecron.cancel_job($1) AS a, edgecron.cancel_job($2) AS b`, [recurring, once])).toEqual([{ a: true, b: true }]);
    expect(
      await sql(`SELECT job_id, status, cancel_requested, finished_at IS NOT NULL AS finished, reason FROM edgecron.run ORDER BY id`),
    ).toEqual([
      { job_id: String(recurring), status: 'running', cancel_requested: true, finished: false, reason: null },
      { job_id: String(recurring), status: 'canceled', cancel_requested: false, finished: true, reason: 'canceled by postgres' },
      { job_id: String(once), status: 'canceled', cancel_requested: false, finished: true, reason: 'canceled before it started' },
    ]);
    expect((await jobRow(once)).state).toBe('done');
  });

  it('disable_job and enable_job say whether they changed anything; enabling a broken job re-activates it', async () => {
    const job = await asRole(ALICE, async (q) => idOf(await q(`SELECT edgecron.schedule('j', '* * * * *', 'SELECT 1')`)));
    await sql(
      `UPDATE edgecron.job SET state = 'broken', broken_reason = 'failed 16 times', consecutive_failures = 16,
              synced_revision = revision WHERE id = $1`,
      [job],
    );
    const answers = await asRole(ALICE, async (q) => [
      ...(await q(`SELECT edgecron.disable_job($1) AS changed`, [job])),
      ...(await q(`SELECT edgecron.disable_job($1) AS changed`, [job])),
      ...(await q(`SELECT edgecron.enable_job($1) AS changed`, [job])),
      ...(await q(`SELECT edgecron.enable_job($1) AS changed`, [job])),
    ]);
    expect(answers.map((a) => a.changed)).toEqual([true, false, true, false]);
    const row = await jobRow(job);
    expect(row).toMatchObject({ enabled: true, state: 'active', broken_reason: null, consecutive_failures: 0 });
    expect(row.revision).not.toBe(row.synced_revision);
  });
});

describe('pause and resume', () => {
  it('an admin pauses and resumes the scheduler; a user may not', async () => {
    await asRole(DANA, (q) => q('SELECT edgecron.pause()'));
    expect(await sql('SELECT paused FROM edgecron.settings')).toEqual([{ paused: true }]);
    await asRole(DANA, (q) => q('SELECT edgecron.resume()'));
    expect(await sql('SELECT paused FROM edgecron.settings')).toEqual([{ paused: false }]);
    const error = await asRole(ALICE, (q) => sqlError(q('SELECT edgecron.pause()')));
    expect(error).toMatchObject({ code: '42501', message: 'permission denied for function pause' });
  });
});

describe('resubmit and get_self_id, inside a running job', () => {
  /** Sets up `q`'s session as the executor does for a running run of `job`, and returns the run id. */
  async function becomeRunningJob(q: Parameters<Parameters<typeof asRole>[1]>[0], job: number): Promise<number> {
    const [{ pid }] = (await q<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
    const [run] = await sql<{ id: string }>(
      `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, started_at, backend_pid, role)
       VALUES ($1, 'alice', now(), 'running', now(), $2, 'alice') RETURNING id`,
      [job, pid],
    );
    await q(`SELECT set_config('edgecron.job_id', $1, false), set_config('edgecron.run_id', $2, false)`, [String(job), run!.id]);
    return Number(run!.id);
  }

  it('resubmit sets when the one-time job runs again, up to its resubmit_limit', async () => {
    const job = await asRole(ALICE, async (q) => idOf(await q(`SELECT edgecron.submit_job('SELECT 1', resubmit_limit => 1)`)));
    const answers = await asRole(ALICE, async (q) => {
      await becomeRunningJob(q, job);
      return [
        ...(await q(`SELECT edgecron.get_self_id() AS self, edgecron.resubmit('10 minutes') AS resubmitted`)),
        ...(await q(`SELECT resubmit_at BETWEEN now() + interval '9 minutes' AND now() + interval '10 minutes' AS in_ten_minutes
                       FROM edgecron.job`)),
      ];
    });
    expect(answers[0]).toEqual({ self: String(job), resubmitted: String(job) });
    expect(answers[1]).toEqual({ in_ten_minutes: true });

    await sql(`UPDATE edgecron.job SET resubmit_count = 1 WHERE id = $1`, [job]);
    const error = await asRole(ALICE, async (q) => {
      await becomeRunningJob(q, job);
      return sqlError(q(`SELECT edgecron.resubmit()`));
    });
    expect(error).toMatchObject({ code: '54000', message: 'Cannot resubmit: limit reached' });
  });

  it('refuses a recurring job, and a session that only claims to be a running job', async () => {
    const [recurring, other] = await asRole(ALICE, async (q) => [
      idOf(await q(`SELECT edgecron.schedule('r', '* * * * *', 'SELECT 1')`)),
      idOf(await q(`SELECT edgecron.submit_job('SELECT 1')`)),
    ]);
    const errors = await asRole(ALICE, async (q) => {
      await becomeRunningJob(q, recurring!);
      const recurringError = await sqlError(q(`SELECT edgecron.resubmit()`));
      await q(`SELECT set_config('edgecron.job_id', $1, false)`, [String(other)]);
      return [recurringError, await sqlError(q(`SELECT edgecron.resubmit()`))];
    });
    expect(errors).toEqual([
      { code: '55000', message: `Cannot resubmit: job ${recurring} is recurring; only one-time jobs can be resubmitted` },
      { code: '55000', message: 'Cannot resubmit: not called from a running edgecron job' },
    ]);
    const outside = await asRole(ALICE, (q) => sqlError(q('SELECT edgecron.get_self_id()')));
    expect(outside).toMatchObject({ code: '55000', message: 'get_self_id: not called from an edgecron job' });
  });
});
