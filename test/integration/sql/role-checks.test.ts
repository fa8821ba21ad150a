// Whom a job may be owned by and run as, and who is an admin, judged as PostgreSQL 16+ judges
// memberships: "may act as" is SET (not mere membership), "is an admin" is USAGE (privileges
// inherited). Memberships granted WITH SET FALSE or INHERIT FALSE, directly or down a chain,
// and the group roles every scheduler shares.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { asLogin, ensureLogins } from '../support/logins';
import { ALICE, asRole, BOB, DANA, ensureTestRoles, sqlError } from '../support/roles';

/** A superuser that alice reaches only through a membership granted WITH INHERIT FALSE, SET FALSE. */
const SUPER = 'rc_super';
const MID = 'rc_mid';
/** A role alice is a member of WITH INHERIT TRUE, SET FALSE: she has its privileges, cannot become it. */
const NO_SET = 'rc_no_set';
/** A scheduler holding edgecron_admin WITH ADMIN TRUE, INHERIT FALSE, SET FALSE: not an admin. */
const HOLLOW_ADMIN = 'rc_hollow_admin';
/** A scheduling role alice and bob may both SET ROLE to. */
const TEAM = 'rc_team';

beforeAll(async () => {
  await ensureTestRoles();
  await sql(`DO $$
    DECLARE r text;
    BEGIN
      FOREACH r IN ARRAY ARRAY['${SUPER}', '${MID}', '${NO_SET}', '${HOLLOW_ADMIN}', '${TEAM}'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN EXECUTE format('CREATE ROLE %I NOLOGIN', r); END IF;
      END LOOP;
    END $$`);
  await sql(`ALTER ROLE ${SUPER} SUPERUSER`);
  await sql(`GRANT ${SUPER} TO ${MID}`);
  await sql(`GRANT ${MID} TO ${ALICE} WITH INHERIT FALSE, SET FALSE`);
  await sql(`GRANT ${NO_SET} TO ${ALICE} WITH INHERIT TRUE, SET FALSE`);
  await sql(`SELECT edgecron.grant_executor('${NO_SET}'), edgecron.grant_executor('${MID}'), edgecron.grant_user('${HOLLOW_ADMIN}')`);
  await sql(`GRANT edgecron_admin TO ${HOLLOW_ADMIN} WITH ADMIN TRUE, INHERIT FALSE, SET FALSE`);
  await sql(`SELECT edgecron.grant_user('${TEAM}')`);
  await sql(`GRANT ${TEAM} TO ${ALICE}, ${BOB}`);
  await ensureLogins(ALICE, HOLLOW_ADMIN);
});
beforeEach(resetDatabase);

const keys = (run_as: string) => JSON.stringify({ cron: '0 3 * * *', command: 'SELECT 1', run_as });

describe('run_as needs SET, not membership', () => {
  it('refuses run_as a superuser reached through a membership WITH INHERIT FALSE, SET FALSE', async () => {
    const result = await asLogin(ALICE, async (q) => ({
      setRole: await sqlError(q(`SET ROLE ${SUPER}`)),
      viaChain: await sqlError(q(`SELECT edgecron.create_job($1::jsonb)`, [keys(SUPER)])),
      direct: await sqlError(q(`SELECT edgecron.create_job($1::jsonb)`, [keys(MID)])),
      insert: await sqlError(q(`INSERT INTO edgecron.job (schedule, command, run_as) VALUES ('0 3 * * *', 'SELECT 1', $1)`, [SUPER])),
    }));
    expect(result.setRole).toMatchObject({ code: '42501', message: `permission denied to set role "${SUPER}"` });
    const refused = (role: string) => ({
      code: '42501',
      message: `run_as: the owner "alice" is a member of role "${role}" but may not SET ROLE to it`,
      hint: 'The membership was granted WITH SET FALSE, directly or along the way.',
    });
    expect(result.viaChain).toEqual(refused(SUPER));
    expect(result.direct).toEqual(refused(MID));
    expect(result.insert).toEqual(refused(SUPER));
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });

  it('refuses run_as a role whose privileges alice inherits but which she may not SET ROLE to', async () => {
    const mine = await asRole(ALICE, async (q) => Number(Object.values((await q(`SELECT edgecron.schedule('m', '0 3 * * *', 'SELECT 1')`))[0]!)[0]));
    const errors = await asRole(ALICE, async (q) => [
      await sqlError(q(`SELECT edgecron.submit_job('SELECT 1', run_as => $1)`, [NO_SET])),
      await sqlError(q(`UPDATE edgecron.job SET run_as = $1 WHERE id = $2`, [NO_SET, mine])),
    ]);
    expect(errors.map((e) => [e.code, e.message])).toEqual(
      Array(2).fill(['42501', `run_as: the owner "alice" is a member of role "${NO_SET}" but may not SET ROLE to it`]),
    );
  });

  it('an admin cannot create a job for a superuser it reaches only WITH SET FALSE', async () => {
    await sql(`GRANT ${MID} TO ${DANA} WITH INHERIT FALSE, SET FALSE`);
    try {
      const error = await asRole(DANA, (q) => sqlError(q(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ($1, '0 3 * * *', 'SELECT 1')`, [SUPER])));
      expect(error).toEqual({
        code: '42501',
        message: `owner: role "${SUPER}" is not a member of edgecron_user, or is a superuser you are not a member of`,
      });
    } finally {
      await sql(`REVOKE ${MID} FROM ${DANA}`);
    }
  });
});

describe('an admin is a role with the privileges of edgecron_admin', () => {
  async function bobsJobWithRun(): Promise<number> {
    const [job] = await sql<{ id: string }>(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ('bob', '0 3 * * *', 'SELECT 42') RETURNING id`);
    await sql(
      `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at, result) VALUES ($1, 'bob', now(), 'succeeded', now(), '{"rows": [{"secret": 42}]}')`,
      [job!.id],
    );
    return Number(job!.id);
  }

  it('a membership WITH ADMIN TRUE, INHERIT FALSE, SET FALSE reads no other role’s jobs or runs and acts for none', async () => {
    const bob = await bobsJobWithRun();
    const seen = await asRole(HOLLOW_ADMIN, async (q) => ({
      jobs: await q('SELECT id FROM edgecron.job'),
      runs: await q('SELECT result FROM edgecron.run'),
      views: await q('SELECT id FROM edgecron.my_runs'),
      isAdmin: await q('SELECT edgecron._is_admin() AS admin'),
      disable: await sqlError(q('SELECT edgecron.disable_job($1)', [bob])),
      forBob: await sqlError(q(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ('bob', '0 3 * * *', 'SELECT 1')`)),
      pause: await sqlError(q('SELECT edgecron.pause()')),
    }));
    expect(seen).toEqual({
      jobs: [],
      runs: [],
      views: [],
      isAdmin: [{ admin: false }],
      disable: { code: 'P0002', message: `job ${bob} not found` },
      forBob: { code: '42501', message: 'owner: only members of edgecron_admin can create or move a job to another role ("bob")' },
      pause: { code: '42501', message: 'permission denied for function pause' },
    });
  });

  it('a role that inherits edgecron_admin reads and manages every role’s jobs', async () => {
    const bob = await bobsJobWithRun();
    const seen = await asRole(DANA, async (q) => ({
      runs: await q('SELECT result FROM edgecron.run'),
      disable: await q('SELECT edgecron.disable_job($1) AS changed', [bob]),
    }));
    expect(seen).toEqual({ runs: [{ result: { rows: [{ secret: 42 }] } }], disable: [{ changed: true }] });
  });
});

describe('roles no job is owned by or runs as', () => {
  const GROUP = (key: string, role: string) => ({
    code: '42501',
    message: `${key}: role "${role}" is edgecron's group role, shared by every scheduler; no job is owned by or runs as it`,
  });
  const PREDEFINED = (key: string, role: string) => ({
    code: '42501',
    message: `${key}: role "${role}" is a predefined PostgreSQL role; no job is owned by or runs as it`,
  });

  it('grant_user grants edgecron_user WITH SET FALSE: a scheduler cannot SET ROLE to it', async () => {
    const [grant] = await sql(
      `SELECT set_option, inherit_option FROM pg_auth_members WHERE roleid = 'edgecron_user'::regrole AND member = 'alice'::regrole`,
    );
    expect(grant).toEqual({ set_option: false, inherit_option: true });
    const error = await asLogin(ALICE, (q) => sqlError(q('SET ROLE edgecron_user')));
    expect(error).toMatchObject({ code: '42501', message: 'permission denied to set role "edgecron_user"' });
  });

  it('a role that can still SET ROLE edgecron_user cannot give it a job', async () => {
    // As one whose membership predates grant_user's SET FALSE (the superuser session may SET ROLE to any role).
    const errors = await asRole(ALICE, async (q) => {
      await q('SET ROLE edgecron_user');
      return [
        await sqlError(q(`INSERT INTO edgecron.job (schedule, command) VALUES ('0 3 * * *', 'SELECT 1')`)),
        await sqlError(q(`SELECT edgecron.schedule('shared', '0 3 * * *', 'SELECT 1')`)),
      ];
    });
    expect(errors).toEqual([GROUP('owner', 'edgecron_user'), GROUP('owner', 'edgecron_user')]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });

  it('refuses edgecron_user, edgecron_admin and pg_* roles as run_as or owner, even from the superuser', async () => {
    const fromAlice = await asRole(ALICE, async (q) => [
      await sqlError(q(`SELECT edgecron.create_job($1::jsonb)`, [keys('edgecron_user')])),
      await sqlError(q(`SELECT edgecron.submit_job('SELECT 1', run_as => 'edgecron_admin')`)),
      await sqlError(q(`SELECT edgecron.create_job($1::jsonb)`, [keys('pg_read_all_data')])),
    ]);
    expect(fromAlice).toEqual([GROUP('run_as', 'edgecron_user'), GROUP('run_as', 'edgecron_admin'), PREDEFINED('run_as', 'pg_read_all_data')]);
    const fromSuperuser = [
      await sqlError(sql(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ('edgecron_admin', '0 3 * * *', 'SELECT 1')`)),
      await sqlError(sql(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ('pg_monitor', '0 3 * * *', 'SELECT 1')`)),
      await sqlError(sql(`INSERT INTO edgecron.job (run_as, schedule, command) VALUES ('edgecron_user', '0 3 * * *', 'SELECT 1')`)),
    ];
    expect(fromSuperuser).toEqual([GROUP('owner', 'edgecron_admin'), PREDEFINED('owner', 'pg_monitor'), GROUP('run_as', 'edgecron_user')]);
    const fromAdmin = await asRole(DANA, (q) =>
      sqlError(q(`SELECT edgecron.create_job('{"cron": "0 3 * * *", "command": "SELECT 1", "owner": "edgecron_user"}'::jsonb)`)),
    );
    expect(fromAdmin).toEqual(GROUP('owner', 'edgecron_user'));
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });

  it('grant_user refuses the group roles', async () => {
    expect(await sqlError(sql(`SELECT edgecron.grant_user('edgecron_admin')`))).toEqual({
      code: '42501',
      message: `role "edgecron_admin" is edgecron's group role, shared by every scheduler`,
    });
  });

  it('bob still cannot make a job run as alice, and alice as herself is fine', async () => {
    const error = await asRole(BOB, (q) => sqlError(q(`SELECT edgecron.create_job($1::jsonb)`, [keys(ALICE)])));
    expect(error).toEqual({ code: '42501', message: 'run_as: the owner "bob" is not a member of role "alice"' });
    const own = await asLogin(ALICE, (q) => q(`SELECT edgecron.create_job($1::jsonb) AS id`, [keys(ALICE)]));
    expect(own).toHaveLength(1);
  });
});

describe('resubmit', () => {
  it("refuses a session that only shares the run's role: alice, as a team role, cannot resubmit bob's job", async () => {
    const [job] = await sql<{ id: string }>(`INSERT INTO edgecron.job (owner, command, run_as) VALUES ('bob', 'SELECT 1', $1) RETURNING id`, [TEAM]);
    const [run] = await sql<{ id: string }>(
      `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, started_at, role) VALUES ($1, 'bob', now(), 'running', now(), $2) RETURNING id`,
      [job!.id, TEAM],
    );
    const error = await asLogin(ALICE, async (q) => {
      await q(`SET ROLE ${TEAM}`);
      await q(`SELECT set_config('edgecron.job_id', $1, false), set_config('edgecron.run_id', $2, false)`, [job!.id, run!.id]);
      return sqlError(q('SELECT edgecron.resubmit()'));
    });
    expect(error).toMatchObject({ code: '55000', message: 'Cannot resubmit: not called from a running edgecron job' });
    expect(await sql('SELECT resubmit_at FROM edgecron.job')).toEqual([{ resubmit_at: null }]);
  });
});
