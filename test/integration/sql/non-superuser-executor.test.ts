// The real master against database "exec", whose executor (edgecron_exec) is a LOGIN CREATEROLE
// role and no superuser, set up as docs/sql.md describes. Here PostgreSQL judges every SET ROLE
// the executor makes, where the main database's superuser passes them all.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../support/database';
import { masterNamed } from '../support/engine';
import { asLogin, EXEC_EXECUTOR, ensureLogins, execSql } from '../support/logins';
import { ALICE, BOB, ensureTestRoles, sqlError } from '../support/roles';

/** A role the executor created and set up itself (grant_user), as on a server it administers. */
const OWN = 'ex_own';
/** A role the executor creates, gives a job and drops. */
const GONE = 'ex_gone';
/** A role that may SET ROLE to the executor, and a scheduler who may become it. */
const DEPUTY = 'ex_deputy';
const SCHEDULER = 'ex_scheduler';

const master = () => masterNamed('exec');

/** One forced tick of the exec master, waiting for the runs it started. */
async function tickExec(): Promise<void> {
  await master().wake('exec');
  await master().settle();
}

/** The master learns of the jobs, their slots are made due now, and one tick runs them. */
async function runNow(...jobs: number[]): Promise<void> {
  await tickExec();
  await execSql(`UPDATE edgecron.job SET next_run_at = now() WHERE id = ANY ($1::bigint[])`, [jobs]);
  await tickExec();
}

async function resetExec(): Promise<void> {
  await execSql('TRUNCATE edgecron.job, edgecron.run, edgecron.master_heartbeat RESTART IDENTITY CASCADE');
}

const idOf = (rows: Array<Record<string, unknown>>) => Number(Object.values(rows[0]!)[0]);

beforeAll(async () => {
  await ensureTestRoles();
  await ensureLogins(ALICE, BOB);
  // alice was created by the superuser: the executor cannot grant her to itself, so the DBA runs
  // the documented SQL. bob is left out: the executor may not become him.
  await sql(`GRANT ${ALICE} TO ${EXEC_EXECUTOR} WITH INHERIT FALSE, SET TRUE`);
  await execSql(`DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${OWN}') THEN CREATE ROLE ${OWN} NOLOGIN; END IF;
  END $$`);
  await execSql(`SELECT edgecron.grant_user('${OWN}')`);
  await sql(`DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${DEPUTY}') THEN CREATE ROLE ${DEPUTY} NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${SCHEDULER}') THEN CREATE ROLE ${SCHEDULER} NOLOGIN; END IF;
  END $$`);
  await sql(`GRANT ${EXEC_EXECUTOR} TO ${DEPUTY} WITH INHERIT FALSE, SET TRUE`);
  await sql(`GRANT ${DEPUTY} TO ${SCHEDULER} WITH INHERIT FALSE, SET TRUE`);
  await sql(`GRANT edgecron_user TO ${SCHEDULER}`);
  await ensureLogins(SCHEDULER);
});
beforeEach(resetExec);
afterAll(resetExec);

describe('a master whose executor is no superuser', () => {
  it("runs alice's job as alice and a job of a role it set up itself as that role", async () => {
    const command = 'SELECT current_user AS who, session_user AS login';
    const alices = await asLogin(ALICE, async (q) => idOf(await q(`SELECT edgecron.create_job($1::jsonb)`, [JSON.stringify({ cron: '0 0 1 1 *', command })])), 'exec');
    const own = idOf(await execSql(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ($1, '0 0 1 1 *', $2) RETURNING id`, [OWN, command]));
    await runNow(alices, own);
    expect(await execSql(`SELECT job_id, status, role, result -> 'rows' AS rows FROM edgecron.run ORDER BY job_id`)).toEqual([
      { job_id: String(alices), status: 'succeeded', role: ALICE, rows: [{ who: ALICE, login: EXEC_EXECUTOR }] },
      { job_id: String(own), status: 'succeeded', role: OWN, rows: [{ who: OWN, login: EXEC_EXECUTOR }] },
    ]);
    expect(await asLogin(ALICE, (q) => q('SELECT job_id FROM edgecron.my_runs'), 'exec')).toEqual([{ job_id: String(alices) }]);
  });

  it('refuses, when the job is written, a role the executor may not SET ROLE to', async () => {
    const fromBob = await asLogin(BOB, (q) => sqlError(q(`SELECT edgecron.schedule('b', '0 3 * * *', 'SELECT 1')`)), 'exec');
    const fromExecutor = await sqlError(execSql(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ('bob', '0 3 * * *', 'SELECT 1')`));
    for (const error of [fromBob, fromExecutor]) {
      expect(error).toEqual({
        code: '42501',
        message: `owner: the executor role "${EXEC_EXECUTOR}" cannot SET ROLE to "bob"`,
        hint: `The table owner runs: SELECT edgecron.grant_executor('bob');`,
      });
    }
    const grant = await sqlError(execSql(`SELECT edgecron.grant_executor('bob')`));
    expect(grant).toMatchObject({ code: '42501', message: expect.stringMatching(/^permission denied to grant role "bob"/) });
  });

  it('refuses a job of a role that may become the executor, from anyone but the executor', async () => {
    // ex_scheduler may SET ROLE ex_deputy, which may SET ROLE edgecron_exec: it has the executor's power.
    const errors = await asLogin(SCHEDULER, async (q) => [
      await sqlError(q(`SELECT edgecron.schedule('s', '0 3 * * *', 'SELECT 1')`)),
      await sqlError(q(`SELECT edgecron.submit_job('SELECT 1', run_as => $1)`, [EXEC_EXECUTOR])),
    ], 'exec');
    expect(errors).toEqual(Array(2).fill({
      code: '42501',
      message: `owner: role "${SCHEDULER}" is the executor or a member of it (it may act as every job owner); only the executor makes such jobs`,
    }));
    // The executor's own job is the DBA's to make.
    expect(await execSql(`INSERT INTO edgecron.job (schedule, command) VALUES ('0 3 * * *', 'SELECT 1') RETURNING owner`)).toEqual([
      { owner: EXEC_EXECUTOR },
    ]);
  });

  it('marks a job broken when its role was dropped, and drop_jobs clears what a dropped role left', async () => {
    await execSql(`CREATE ROLE ${GONE} NOLOGIN`);
    await execSql(`SELECT edgecron.grant_user('${GONE}')`);
    const job = idOf(await execSql(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ($1, '0 0 1 1 *', 'SELECT 1') RETURNING id`, [GONE]));
    await execSql(`DROP ROLE ${GONE}`);
    await runNow(job);
    expect(await execSql('SELECT state, broken_reason FROM edgecron.job WHERE id = $1', [job])).toEqual([
      { state: 'broken', broken_reason: `cannot run as role "${GONE}": role "${GONE}" does not exist` },
    ]);
    expect(await execSql(`SELECT edgecron.drop_jobs('${GONE}') AS dropped`)).toEqual([{ dropped: '1' }]);
    expect(await execSql('SELECT count(*)::int AS n FROM edgecron.run')).toEqual([{ n: 0 }]);
  });

  it('resubmit works from inside a run the master started', async () => {
    const job = await asLogin(ALICE, async (q) => idOf(await q(`SELECT edgecron.submit_job('SELECT edgecron.resubmit()', resubmit_limit => 1)`)), 'exec');
    await tickExec();
    await tickExec();
    expect(await execSql('SELECT status, error FROM edgecron.run WHERE job_id = $1 ORDER BY id', [job])).toEqual([
      { status: 'succeeded', error: null },
      { status: 'failed', error: expect.objectContaining({ message: 'Cannot resubmit: limit reached', sqlstate: '54000' }) },
    ]);
    expect(await execSql('SELECT resubmit_count FROM edgecron.job WHERE id = $1', [job])).toEqual([{ resubmit_count: 1 }]);
  });
});
