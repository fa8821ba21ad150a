// owner and run_as are role names, so a role's jobs must move before it is renamed or dropped:
// a role created later under the old name would otherwise own them and read their runs.
// reassign_jobs and drop_jobs are what docs/sql.md tells the DBA to run.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { ALICE, asRole, ensureTestRoles, sqlError } from '../support/roles';

const OLD = 'rr_old';
const NEW = 'rr_new';

beforeAll(ensureTestRoles);
beforeEach(async () => {
  await resetDatabase();
  await sql(`DROP ROLE IF EXISTS ${OLD}`);
  await sql(`DROP ROLE IF EXISTS ${NEW}`);
  await sql(`CREATE ROLE ${OLD} NOLOGIN`);
  await sql(`SELECT edgecron.grant_user('${OLD}')`);
});

/** A job of OLD with a finished run holding a result, and a job of alice that runs as OLD. */
async function jobsOfOld(): Promise<{ owned: number; runsAs: number }> {
  const [owned] = await sql<{ id: string }>(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ($1, '0 3 * * *', 'SELECT 1') RETURNING id`, [OLD]);
  await sql(
    `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at, result) VALUES ($1, $2, now(), 'succeeded', now(), '{"rows": [{"secret": 1}]}')`,
    [owned!.id, OLD],
  );
  await sql(`GRANT ${OLD} TO ${ALICE}`);
  const [runsAs] = await sql<{ id: string }>(`INSERT INTO edgecron.job (owner, run_as, schedule, command) VALUES ('alice', $1, '0 3 * * *', 'SELECT 1') RETURNING id`, [OLD]);
  return { owned: Number(owned!.id), runsAs: Number(runsAs!.id) };
}

describe('before a role is renamed or dropped', () => {
  it('reassign_jobs moves its jobs, its run_as and its runs to the new name; a new role of the old name gets nothing', async () => {
    const jobs = await jobsOfOld();
    await sql(`ALTER ROLE ${OLD} RENAME TO ${NEW}`);
    expect(await sql(`SELECT edgecron.reassign_jobs('${OLD}', '${NEW}') AS moved`)).toEqual([{ moved: '2' }]);
    expect(await sql('SELECT id, owner, run_as FROM edgecron.job ORDER BY id')).toEqual([
      { id: String(jobs.owned), owner: NEW, run_as: null },
      { id: String(jobs.runsAs), owner: ALICE, run_as: NEW },
    ]);
    await sql(`CREATE ROLE ${OLD} NOLOGIN`);
    await sql(`SELECT edgecron.grant_user('${OLD}')`);
    expect(await asRole(OLD, (q) => q('SELECT id FROM edgecron.job UNION ALL SELECT id FROM edgecron.run'))).toEqual([]);
    expect(await asRole(NEW, (q) => q('SELECT result FROM edgecron.run'))).toEqual([{ result: { rows: [{ secret: 1 }] } }]);
  });

  it('reassign_jobs applies the usual checks to the new role', async () => {
    await jobsOfOld();
    const error = await sqlError(sql(`SELECT edgecron.reassign_jobs('${OLD}', 'edgecron_user')`));
    expect(error.code).toBe('42501');
    expect(await sqlError(sql(`SELECT edgecron.reassign_jobs('${OLD}', 'nobody_here')`))).toEqual({
      code: '42704',
      message: 'to_role: role "nobody_here" does not exist',
    });
    expect(await sql(`SELECT count(*)::int AS n FROM edgecron.job WHERE owner = $1 OR run_as = $1`, [OLD])).toEqual([{ n: 2 }]);
  });

  it('drop_jobs deletes its jobs and runs and disables the jobs that run as it', async () => {
    const jobs = await jobsOfOld();
    expect(await sql(`SELECT edgecron.drop_jobs('${OLD}') AS dropped`)).toEqual([{ dropped: '1' }]);
    expect(await sql('SELECT id, enabled FROM edgecron.job')).toEqual([{ id: String(jobs.runsAs), enabled: false }]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.run')).toEqual([{ n: 0 }]);
  });

  it('both are for the DBA: a scheduler cannot call them', async () => {
    const errors = await asRole(ALICE, async (q) => [
      await sqlError(q(`SELECT edgecron.reassign_jobs('${OLD}', 'alice')`)),
      await sqlError(q(`SELECT edgecron.drop_jobs('${OLD}')`)),
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      'permission denied for function reassign_jobs',
      'permission denied for function drop_jobs',
    ]);
  });
});
