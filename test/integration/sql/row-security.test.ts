// Isolation between roles on a shared database: what alice can see and do to bob's jobs and
// runs, whom her jobs may run as, what a role outside edgecron_user may do, and what an admin may.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { ALICE, asRole, BOB, CAROL, DANA, ensureTestRoles, REPORTING, sqlError } from '../support/roles';

beforeAll(ensureTestRoles);
beforeEach(resetDatabase);

const idOf = (rows: Array<Record<string, unknown>>): number => Number(Object.values(rows[0]!)[0]);

/** A job of bob's with a finished run that has a result and an error to hide. */
async function bobsJob(): Promise<number> {
  const id = await asRole(BOB, async (q) => idOf(await q(`SELECT edgecron.schedule('secret', '* * * * *', 'SELECT 42')`)));
  await sql(
    `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, started_at, finished_at, result, error)
     VALUES ($1, 'bob', now() - interval '1 min', 'failed', now() - interval '1 min', now(), '{"rows": [{"x": 42}]}', '{"message": "secret"}'),
            ($1, 'bob', now(), 'running', now(), NULL, NULL, NULL)`,
    [id],
  );
  return id;
}

describe("alice and bob's jobs", () => {
  it("alice sees none of bob's jobs or runs, in the tables or the views", async () => {
    const bob = await bobsJob();
    const mine = await asRole(ALICE, async (q) => idOf(await q(`SELECT edgecron.schedule('mine', '* * * * *', 'SELECT 1')`)));
    const seen = await asRole(ALICE, async (q) => ({
      jobs: await q('SELECT id FROM edgecron.job'),
      runs: await q('SELECT id, result, error FROM edgecron.run'),
      myJobs: await q('SELECT id FROM edgecron.my_jobs'),
      myRuns: await q('SELECT id FROM edgecron.my_runs'),
      running: await q('SELECT run_id FROM edgecron.running'),
      health: await q('SELECT job_id FROM edgecron.job_health'),
      byId: await q('SELECT result FROM edgecron.run WHERE job_id = $1', [bob]),
    }));
    expect(seen).toEqual({
      jobs: [{ id: String(mine) }],
      runs: [],
      myJobs: [{ id: String(mine) }],
      myRuns: [],
      running: [],
      health: [{ job_id: String(mine) }],
      byId: [],
    });
    const bobSees = await asRole(BOB, (q) => q('SELECT job_id, status, error FROM edgecron.my_runs ORDER BY id'));
    expect(bobSees).toEqual([
      { job_id: String(bob), status: 'failed', error: { message: 'secret' } },
      { job_id: String(bob), status: 'running', error: null },
    ]);
  });

  it("alice cannot change, run, cancel or delete bob's jobs, by function or DML", async () => {
    const bob = await bobsJob();
    const attempts = await asRole(ALICE, async (q) => ({
      functions: [
        await sqlError(q(`SELECT edgecron.alter_job($1, '{"command": "SELECT 0"}'::jsonb)`, [bob])),
        await sqlError(q(`SELECT edgecron.alter_job($1, command => 'SELECT 0')`, [bob])),
        await sqlError(q(`SELECT edgecron.run_job($1)`, [bob])),
        await sqlError(q(`SELECT edgecron.cancel_job($1)`, [bob])),
        await sqlError(q(`SELECT edgecron.enable_job($1)`, [bob])),
        await sqlError(q(`SELECT edgecron.disable_job($1)`, [bob])),
        await sqlError(q(`SELECT edgecron.unschedule($1::bigint)`, [bob])),
      ].map((e) => [e.code, e.message]),
      dml: [
        await q(`UPDATE edgecron.job SET command = 'SELECT 0' WHERE id = $1 RETURNING id`, [bob]),
        await q(`UPDATE edgecron.run SET status = 'canceled' WHERE job_id = $1 RETURNING id`, [bob]),
      ],
      deleteRuns: await q(`SELECT edgecron.delete_runs(job_id => $1) AS n`, [bob]),
      runNow: await sqlError(q(`INSERT INTO edgecron.run (job_id) VALUES ($1)`, [bob])),
    }));
    expect(attempts.functions).toEqual(Array(7).fill(['P0002', `job ${bob} not found`]));
    expect(attempts.dml).toEqual([[], []]);
    expect(attempts.deleteRuns).toEqual([{ n: '0' }]);
    expect(attempts.runNow).toMatchObject({ code: 'P0002', message: `job ${bob} not found` });
    expect(await sql('SELECT command, enabled FROM edgecron.job WHERE id = $1', [bob])).toEqual([{ command: 'SELECT 42', enabled: true }]);
    expect(await sql('SELECT status, cancel_requested FROM edgecron.run ORDER BY id')).toEqual([
      { status: 'failed', cancel_requested: false },
      { status: 'running', cancel_requested: false },
    ]);
  });

  it('the same name is a different job for each owner, and unschedule by name finds only your own', async () => {
    await bobsJob();
    const error = await asRole(ALICE, (q) => sqlError(q(`SELECT edgecron.unschedule('secret')`)));
    expect(error).toMatchObject({ code: 'P0002', message: 'job "secret" not found' });
    expect(await sql(`SELECT owner FROM edgecron.job WHERE name = 'secret'`)).toEqual([{ owner: BOB }]);
  });
});

describe('whom a job runs as', () => {
  it('alice cannot make a job run as a superuser or as bob, by any function', async () => {
    const mine = await asRole(ALICE, async (q) => idOf(await q(`SELECT edgecron.schedule('mine', '* * * * *', 'SELECT 1')`)));
    const errors = await asRole(ALICE, async (q) => {
      const out = [];
      for (const role of ['postgres', BOB]) {
        out.push(
          await sqlError(q(`SELECT edgecron.create_job($1::jsonb)`, [JSON.stringify({ cron: '* * * * *', command: 'SELECT 1', run_as: role })])),
          await sqlError(q(`SELECT edgecron.submit_job('SELECT 1', run_as => $1)`, [role])),
          await sqlError(q(`SELECT edgecron.schedule('x', '* * * * *', 'SELECT 1', run_as => $1)`, [role])),
          await sqlError(q(`SELECT edgecron.alter_job($1, $2::jsonb)`, [mine, JSON.stringify({ run_as: role })])),
        );
      }
      return out;
    });
    expect(errors.map((e) => e.code)).toEqual(Array(8).fill('42501'));
    expect(errors[0]!.message).toBe('run_as: the owner "alice" is not a member of role "postgres"');
    expect(errors[4]!.message).toBe('run_as: the owner "alice" is not a member of role "bob"');
    expect(await sql('SELECT run_as FROM edgecron.job WHERE id = $1', [mine])).toEqual([{ run_as: null }]);
  });

  it('alice cannot make a job run as a superuser or as bob by INSERT or UPDATE', async () => {
    const errors = await asRole(ALICE, async (q) => {
      const [row] = await q<{ id: string }>(`INSERT INTO edgecron.job (schedule, command) VALUES ('* * * * *', 'SELECT 1') RETURNING id`);
      return [
        await sqlError(q(`INSERT INTO edgecron.job (schedule, command, run_as) VALUES ('* * * * *', 'SELECT 1', 'postgres')`)),
        await sqlError(q(`INSERT INTO edgecron.job (schedule, command, run_as) VALUES ('* * * * *', 'SELECT 1', 'bob')`)),
        await sqlError(q(`UPDATE edgecron.job SET run_as = 'postgres' WHERE id = $1`, [row!.id])),
        await sqlError(q(`UPDATE edgecron.job SET run_as = 'bob' WHERE id = $1`, [row!.id])),
      ];
    });
    expect(errors).toEqual([
      { code: '42501', message: 'run_as: the owner "alice" is not a member of role "postgres"' },
      { code: '42501', message: 'run_as: the owner "alice" is not a member of role "bob"' },
      { code: '42501', message: 'run_as: the owner "alice" is not a member of role "postgres"' },
      { code: '42501', message: 'run_as: the owner "alice" is not a member of role "bob"' },
    ]);
  });

  it('alice cannot give a job to bob or to a superuser, by INSERT, UPDATE or the owner key', async () => {
    const errors = await asRole(ALICE, async (q) => {
      const [row] = await q<{ id: string }>(`INSERT INTO edgecron.job (schedule, command) VALUES ('* * * * *', 'SELECT 1') RETURNING id`);
      return [
        await sqlError(q(`INSERT INTO edgecron.job (schedule, command, owner) VALUES ('* * * * *', 'SELECT 1', 'postgres')`)),
        await sqlError(q(`INSERT INTO edgecron.job (schedule, command, owner) VALUES ('* * * * *', 'SELECT 1', 'bob')`)),
        await sqlError(q(`UPDATE edgecron.job SET owner = 'bob' WHERE id = $1`, [row!.id])),
        await sqlError(q(`SELECT edgecron.create_job('{"cron": "* * * * *", "command": "SELECT 1", "owner": "bob"}')`)),
        await sqlError(q(`SELECT edgecron.alter_job($1, username => 'postgres')`, [row!.id])),
      ];
    });
    expect(errors.map((e) => e.code)).toEqual(Array(5).fill('42501'));
    expect(errors[1]!.message).toBe('owner: only members of edgecron_admin can create or move a job to another role ("bob")');
    expect(await sql('SELECT owner FROM edgecron.job')).toEqual([{ owner: ALICE }]);
  });

  it('alice may run a job as a role she is a member of; a role that does not exist is named', async () => {
    const result = await asRole(ALICE, async (q) => ({
      id: idOf(await q(`SELECT edgecron.schedule('report', '0 9 * * *', 'SELECT 1', run_as => $1)`, [REPORTING])),
      missing: await sqlError(q(`SELECT edgecron.submit_job('SELECT 1', run_as => 'nobody_here')`)),
    }));
    expect(await sql('SELECT owner, run_as FROM edgecron.job WHERE id = $1', [result.id])).toEqual([{ owner: ALICE, run_as: REPORTING }]);
    expect(result.missing).toEqual({ code: '42704', message: 'run_as: role "nobody_here" does not exist' });
  });

  describe('with allow_superuser_jobs off', () => {
    afterEach(() => sql('UPDATE edgecron.settings SET allow_superuser_jobs = true'));

    it('refuses jobs owned by or running as a superuser, even from a superuser', async () => {
      await sql('UPDATE edgecron.settings SET allow_superuser_jobs = false');
      const errors = [
        await sqlError(sql(`INSERT INTO edgecron.job (schedule, command) VALUES ('* * * * *', 'SELECT 1')`)),
        await sqlError(sql(`INSERT INTO edgecron.job (owner, run_as, schedule, command) VALUES ('alice', 'postgres', '* * * * *', 'SELECT 1')`)),
      ];
      expect(errors).toEqual([
        { code: '42501', message: 'owner: role "postgres" is a superuser and edgecron.settings.allow_superuser_jobs is off' },
        { code: '42501', message: 'run_as: role "postgres" is a superuser and edgecron.settings.allow_superuser_jobs is off' },
      ]);
      expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
    });
  });
});

describe('what users may write', () => {
  it("the master's state columns are not theirs to write", async () => {
    const errors = await asRole(ALICE, async (q) => {
      const [row] = await q<{ id: string }>(`INSERT INTO edgecron.job (schedule, command) VALUES ('* * * * *', 'SELECT 1') RETURNING id`);
      return [
        await sqlError(q(`INSERT INTO edgecron.job (schedule, command, next_run_at) VALUES ('* * * * *', 'SELECT 1', now())`)),
        await sqlError(q(`UPDATE edgecron.job SET next_run_at = now() WHERE id = $1`, [row!.id])),
        await sqlError(q(`UPDATE edgecron.job SET synced_revision = revision WHERE id = $1`, [row!.id])),
        await sqlError(q(`UPDATE edgecron.job SET state = 'broken' WHERE id = $1`, [row!.id])),
        await sqlError(q(`UPDATE edgecron.job SET state = 'done' WHERE id = $1`, [row!.id])),
      ];
    });
    expect(errors).toEqual([
      { code: '42501', message: 'permission denied for table job' },
      { code: '42501', message: 'permission denied for table job' },
      { code: '42501', message: 'permission denied for table job' },
      { code: '42501', message: expect.stringMatching(/^state: only the scheduler marks a job broken/) },
      { code: '22023', message: expect.stringMatching(/^state: a recurring job is never done/) },
    ]);
  });

  it('runs cannot be fabricated: an INSERT is a run-now request, and a run can only be canceled', async () => {
    const job = await asRole(ALICE, async (q) => idOf(await q(`SELECT edgecron.schedule('j', '* * * * *', 'SELECT 1')`)));
    await sql(
      `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at) VALUES ($1, 'alice', now() - interval '1 hour', 'succeeded', now())`,
      [job],
    );
    const result = await asRole(ALICE, async (q) => ({
      fake: await sqlError(q(`INSERT INTO edgecron.run (job_id, status, result) VALUES ($1, 'succeeded', '{}')`, [job])),
      request: await q(`INSERT INTO edgecron.run (job_id) VALUES ($1) RETURNING status, reason, owner`, [job]),
      rewrite: await sqlError(q(`UPDATE edgecron.run SET status = 'failed' WHERE job_id = $1 AND status = 'succeeded'`, [job])),
      result: await sqlError(q(`UPDATE edgecron.run SET result = '{}' WHERE job_id = $1`, [job])),
      deleteDml: await sqlError(q(`DELETE FROM edgecron.run WHERE status = 'succeeded'`)),
      deleted: await q(`SELECT edgecron.delete_runs(job_id => $1) AS n`, [job]),
      left: await q(`SELECT status FROM edgecron.run WHERE job_id = $1`, [job]),
    }));
    expect(result).toEqual({
      fake: { code: '42501', message: 'permission denied for table run' },
      request: [{ status: 'queued', reason: 'run now', owner: ALICE }],
      rewrite: { code: '42501', message: `status: you can only cancel a run (status = 'canceled'), not set it to "failed"` },
      result: { code: '42501', message: 'permission denied for table run' },
      deleteDml: { code: '42501', message: 'permission denied for table run' },
      deleted: [{ n: '1' }],
      left: [{ status: 'queued' }],
    });
  });

  it('settings and queues are read-only to users', async () => {
    const result = await asRole(ALICE, async (q) => ({
      read: await q('SELECT paused FROM edgecron.settings'),
      update: await sqlError(q('UPDATE edgecron.settings SET paused = true')),
      queue: await sqlError(q(`INSERT INTO edgecron.queue (name) VALUES ('q')`)),
    }));
    expect(result).toEqual({
      read: [{ paused: false }],
      update: { code: '42501', message: 'permission denied for table settings' },
      queue: { code: '42501', message: 'permission denied for table queue' },
    });
  });
});

describe('a role outside edgecron_user', () => {
  it('cannot schedule, insert jobs or read them', async () => {
    await bobsJob();
    const errors = await asRole(CAROL, async (q) => [
      await sqlError(q(`SELECT edgecron.schedule('c', '* * * * *', 'SELECT 1')`)),
      await sqlError(q(`SELECT edgecron.create_job('{"cron": "* * * * *", "command": "SELECT 1"}')`)),
      await sqlError(q(`INSERT INTO edgecron.job (schedule, command) VALUES ('* * * * *', 'SELECT 1')`)),
      await sqlError(q(`SELECT * FROM edgecron.my_jobs`)),
    ]);
    expect(errors).toEqual(Array(4).fill({ code: '42501', message: 'permission denied for schema edgecron' }));
    expect(await sql(`SELECT count(*)::int AS n FROM edgecron.job WHERE owner = 'carol'`)).toEqual([{ n: 0 }]);
  });
});

describe('an edgecron_admin', () => {
  it("sees every role's jobs and runs, and manages them", async () => {
    const bob = await bobsJob();
    await asRole(ALICE, (q) => q(`SELECT edgecron.schedule('mine', '* * * * *', 'SELECT 1')`));
    const seen = await asRole(DANA, async (q) => ({
      owners: await q('SELECT owner FROM edgecron.my_jobs ORDER BY owner'),
      runs: await q('SELECT count(*)::int AS n FROM edgecron.my_runs'),
      disabled: await q('SELECT edgecron.disable_job($1) AS changed', [bob]),
    }));
    expect(seen).toEqual({ owners: [{ owner: ALICE }, { owner: BOB }], runs: [{ n: 2 }], disabled: [{ changed: true }] });
  });

  it('creates a job for a scheduling role, but not for a superuser or a role outside edgecron_user', async () => {
    const result = await asRole(DANA, async (q) => ({
      forBob: idOf(await q(`SELECT edgecron.create_job('{"cron": "* * * * *", "command": "SELECT 1", "owner": "bob"}')`)),
      forPostgres: await sqlError(q(`SELECT edgecron.create_job('{"cron": "* * * * *", "command": "SELECT 1", "owner": "postgres"}')`)),
      forCarol: await sqlError(q(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ('carol', '* * * * *', 'SELECT 1')`)),
      superuserJobs: await sqlError(q('UPDATE edgecron.settings SET allow_superuser_jobs = false')),
    }));
    expect(await sql('SELECT owner FROM edgecron.job WHERE id = $1', [result.forBob])).toEqual([{ owner: BOB }]);
    const refused = 'is not a member of edgecron_user, or is a superuser you are not a member of';
    expect(result.forPostgres).toEqual({ code: '42501', message: `owner: role "postgres" ${refused}` });
    expect(result.forCarol).toEqual({ code: '42501', message: `owner: role "carol" ${refused}` });
    expect(result.superuserJobs).toEqual({ code: '42501', message: 'permission denied for table settings' });
  });
});
