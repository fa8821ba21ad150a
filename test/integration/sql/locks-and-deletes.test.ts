// No scheduler can take a lock that stops the master: LOCK TABLE above ROW EXCLUSIVE needs
// table-level UPDATE, DELETE, TRUNCATE or MAINTAIN, which no scheduler holds on edgecron's tables
// or the compatibility packs' (their views are security_invoker, so locking a view needs the
// same on the tables beneath). Deleting goes through functions instead: unschedule, delete_runs.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { asLogin, ensureLogins } from '../support/logins';
import { ALICE, asRole, BOB, DANA, ensureTestRoles, sqlError } from '../support/roles';

beforeAll(async () => {
  await ensureTestRoles();
  await ensureLogins(ALICE, DANA);
});
beforeEach(resetDatabase);

/** Every mode that conflicts with what the master takes (ROW EXCLUSIVE to write, ROW SHARE to claim) or with autovacuum. */
const STRONG_MODES = ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'];
const RELATIONS = [
  'edgecron.job', 'edgecron.run', 'edgecron.settings', 'edgecron.queue', 'edgecron.master_heartbeat',
  'cron.job', 'cron.job_run_details', 'public.task', 'pgtask.task_option', 'qsched.job', 'qsched.schedule',
];

/** What LOCK TABLE answered for each relation and mode, in a transaction rolled back at once. */
async function tryLocks(role: string, relations: string[]): Promise<string[]> {
  return asLogin(role, async (q) => {
    const answers: string[] = [];
    for (const relation of relations) {
      for (const mode of STRONG_MODES) {
        await q('BEGIN');
        try {
          await q(`LOCK TABLE ${relation} IN ${mode} MODE NOWAIT`);
          answers.push(`${relation} ${mode}: locked`);
        } catch (e) {
          answers.push(`${relation} ${mode}: ${(e as { code?: string }).code}`);
        } finally {
          await q('ROLLBACK');
        }
      }
    }
    return answers;
  });
}

const refusedAll = (relations: string[]) => relations.flatMap((r) => STRONG_MODES.map((m) => `${r} ${m}: 42501`));

describe('locks', () => {
  it('a scheduler cannot LOCK any edgecron or compatibility table in a mode that blocks the master', async () => {
    expect(await tryLocks(ALICE, RELATIONS)).toEqual(refusedAll(RELATIONS));
  });

  it('nor can an admin', async () => {
    expect(await tryLocks(DANA, RELATIONS)).toEqual(refusedAll(RELATIONS));
  });

  it('a scheduler still reads, inserts and updates what it did, under those grants', async () => {
    const done = await asLogin(ALICE, async (q) => {
      const [job] = await q<{ id: string }>(`INSERT INTO edgecron.job (schedule, command) VALUES ('0 3 * * *', 'SELECT 1') RETURNING id`);
      await q(`UPDATE edgecron.job SET command = 'SELECT 2' WHERE id = $1`, [job!.id]);
      await q(`INSERT INTO edgecron.run (job_id) VALUES ($1)`, [job!.id]);
      await q(`UPDATE edgecron.run SET status = 'canceled' WHERE job_id = $1`, [job!.id]);
      return q(`SELECT j.command, r.status FROM edgecron.job j JOIN edgecron.run r ON r.job_id = j.id`);
    });
    expect(done).toEqual([{ command: 'SELECT 2', status: 'canceled' }]);
  });
});

describe('deleting', () => {
  /** A job of `owner` with a finished, a queued and a running run. */
  async function jobWithRuns(owner: string): Promise<{ job: number; finished: number }> {
    const [job] = await sql<{ id: string }>(`INSERT INTO edgecron.job (owner, schedule, command) VALUES ($1, '0 3 * * *', 'SELECT 1') RETURNING id`, [owner]);
    const runs = await sql<{ id: string }>(
      `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, finished_at)
       VALUES ($1, $2, now() - interval '2 days', 'succeeded', now() - interval '2 days'),
              ($1, $2, now() - interval '1 minute', 'running', NULL),
              ($1, $2, now(), 'queued', NULL) RETURNING id`,
      [job!.id, owner],
    );
    return { job: Number(job!.id), finished: Number(runs[0]!.id) };
  }
  const runCount = async (owner: string) =>
    (await sql<{ n: number }>('SELECT count(*)::int AS n FROM edgecron.run WHERE owner = $1', [owner]))[0]!.n;

  it('plain DELETE on edgecron.job and edgecron.run is refused to schedulers', async () => {
    await jobWithRuns(ALICE);
    const errors = await asRole(ALICE, async (q) => [
      await sqlError(q('DELETE FROM edgecron.job')),
      await sqlError(q('DELETE FROM edgecron.run')),
      await sqlError(q('TRUNCATE edgecron.run')),
    ]);
    expect(errors).toEqual([
      { code: '42501', message: 'permission denied for table job' },
      { code: '42501', message: 'permission denied for table run' },
      { code: '42501', message: 'permission denied for table run' },
    ]);
    expect(await runCount(ALICE)).toBe(3);
  });

  it('delete_runs deletes only your finished runs, by run, job or age', async () => {
    const alice = await jobWithRuns(ALICE);
    const other = await jobWithRuns(ALICE);
    const bob = await jobWithRuns(BOB);
    const counts = await asLogin(ALICE, async (q) => {
      const one = async (text: string, params: unknown[] = []) => Number(Object.values((await q(text, params))[0]!)[0]);
      return {
        bobs: await one('SELECT edgecron.delete_runs(run_ids => $1::bigint[])', [[bob.finished]]),
        younger: await one(`SELECT edgecron.delete_runs(finished_before => now() - interval '3 days')`),
        byRun: await one('SELECT edgecron.delete_runs(run_ids => $1::bigint[])', [[alice.finished]]),
        byJob: await one('SELECT edgecron.delete_runs(job_id => $1)', [other.job]),
        everything: await one('SELECT edgecron.delete_runs()'),
        bobsJob: await one('SELECT edgecron.delete_runs(job_id => $1)', [bob.job]),
      };
    });
    expect(counts).toEqual({ bobs: 0, younger: 0, byRun: 1, byJob: 1, everything: 0, bobsJob: 0 });
    expect(await sql(`SELECT status FROM edgecron.run WHERE owner = 'alice' ORDER BY id`)).toEqual([
      { status: 'running' },
      { status: 'queued' },
      { status: 'running' },
      { status: 'queued' },
    ]);
    expect(await runCount(BOB)).toBe(3);
  });

  it("an admin deletes any role's finished runs and jobs", async () => {
    const bob = await jobWithRuns(BOB);
    const result = await asLogin(DANA, async (q) => ({
      runs: await q('SELECT edgecron.delete_runs() AS n'),
      job: await q('SELECT edgecron.unschedule($1::bigint) AS ok', [bob.job]),
    }));
    expect(result).toEqual({ runs: [{ n: '1' }], job: [{ ok: true }] });
    expect(await runCount(BOB)).toBe(0);
  });

  it("unschedule deletes your own job, by id or name, from a login or a SET ROLE session, and never another role's", async () => {
    const mine = await jobWithRuns(ALICE);
    await sql(`UPDATE edgecron.job SET name = 'named' WHERE id = $1`, [mine.job]);
    const bob = await jobWithRuns(BOB);
    await sql(`UPDATE edgecron.job SET name = 'named' WHERE id = $1`, [bob.job]);
    const refused = await asLogin(ALICE, (q) => sqlError(q('SELECT edgecron.unschedule($1::bigint)', [bob.job])));
    expect(refused).toEqual({ code: 'P0002', message: `job ${bob.job} not found` });
    expect(await asRole(ALICE, (q) => q(`SELECT edgecron.unschedule('named') AS ok`))).toEqual([{ ok: true }]);
    expect(await sql('SELECT owner FROM edgecron.job')).toEqual([{ owner: BOB }]);
    const second = await asLogin(ALICE, async (q) => q<{ id: string }>(`SELECT edgecron.schedule('again', '0 3 * * *', 'SELECT 1') AS id`));
    expect(await asLogin(ALICE, (q) => q('SELECT edgecron.unschedule($1::bigint) AS ok', [second[0]!.id]))).toEqual([{ ok: true }]);
    expect(await runCount(BOB)).toBe(3);
  });
});
