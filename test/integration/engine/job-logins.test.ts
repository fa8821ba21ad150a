// Job roles with a login of their own (EDGECRON_JOB_LOGINS): their runs connect as the role, so
// the job cannot leave it; with require_job_login on, roles without one never run.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BAD_LOGIN_ROLE, LOGIN_ROLE } from '../../setup/job-logins';
import { resetDatabase, sql } from '../support/database';
import { dueSince, setSettings } from '../support/engine';
import { fireAlarm, nextTick } from '../support/master';
import { ALICE, asRole, ensureTestRoles } from '../support/roles';

beforeAll(ensureTestRoles);
beforeEach(resetDatabase);

async function jobOf(role: string, command: string, extra = ''): Promise<number> {
  const [row] = await asRole(role, (q) =>
    q<{ id: string }>(`INSERT INTO edgecron.job (schedule, command${extra ? ', max_run_time' : ''})
                       VALUES ('0 0 1 1 *', $1${extra ? ', $2' : ''}) RETURNING id`, extra ? [command, extra] : [command]),
  );
  return Number(row!.id);
}

async function runDue(...jobs: number[]): Promise<void> {
  await nextTick();
  for (const job of jobs) await dueSince(job);
  await fireAlarm();
}

describe('a role with a login in EDGECRON_JOB_LOGINS', () => {
  it('runs over its own login, so RESET ROLE and SET ROLE cannot leave the role', async () => {
    const job = await jobOf(LOGIN_ROLE, 'RESET ROLE; SELECT current_user AS who, session_user AS login');
    const escape = await jobOf(LOGIN_ROLE, 'SET ROLE postgres');
    await runDue(job, escape);

    const [run] = await sql(`SELECT status, role, result -> 'rows' AS rows FROM edgecron.run WHERE job_id = $1`, [job]);
    expect(run).toEqual({ status: 'succeeded', role: LOGIN_ROLE, rows: [{ who: LOGIN_ROLE, login: LOGIN_ROLE }] });
    const [refused] = await sql(`SELECT status, error ->> 'sqlstate' AS sqlstate FROM edgecron.run WHERE job_id = $1`, [escape]);
    expect(refused).toEqual({ status: 'failed', sqlstate: '42501' });
  });

  it('is timed out and terminated like any run', async () => {
    const job = await jobOf(LOGIN_ROLE, 'SELECT pg_sleep(30)', '1 second');
    await runDue(job);
    const [run] = await sql(`SELECT status FROM edgecron.run WHERE job_id = $1`, [job]);
    expect(run).toEqual({ status: 'timed_out' });
  });

  it('breaks the job, without retrying, when the configured password is wrong', async () => {
    const job = await jobOf(BAD_LOGIN_ROLE, 'SELECT 1');
    await sql(`UPDATE edgecron.job SET max_attempts = 3 WHERE id = $1`, [job]);
    await runDue(job);

    const runs = await sql(`SELECT status, error ->> 'sqlstate' AS sqlstate FROM edgecron.run WHERE job_id = $1`, [job]);
    expect(runs).toEqual([{ status: 'failed', sqlstate: '28P01' }]);
    const [state] = await sql(`SELECT state, broken_reason FROM edgecron.job WHERE id = $1`, [job]);
    expect(state!.state).toBe('broken');
    expect(state!.broken_reason).toContain(`cannot log in as role "${BAD_LOGIN_ROLE}" with its EDGECRON_JOB_LOGINS password`);
  });
});

describe('with require_job_login on', () => {
  it('never runs a role without a login (its job is broken with the reason) and still runs the others', async () => {
    await setSettings({ require_job_login: true });
    const without = await jobOf(ALICE, 'SELECT current_user');
    const withLogin = await jobOf(LOGIN_ROLE, 'SELECT current_user AS who');
    await runDue(without, withLogin);

    const [refused] = await sql(`SELECT status, error ->> 'message' AS message FROM edgecron.run WHERE job_id = $1`, [without]);
    expect(refused).toEqual({
      status: 'failed',
      message: `role "${ALICE}" has no login in EDGECRON_JOB_LOGINS, and edgecron.settings.require_job_login is on`,
    });
    const [job] = await sql(`SELECT state, broken_reason FROM edgecron.job WHERE id = $1`, [without]);
    expect(job).toEqual({ state: 'broken', broken_reason: refused!.message });
    const [ran] = await sql(`SELECT status, result -> 'rows' AS rows FROM edgecron.run WHERE job_id = $1`, [withLogin]);
    expect(ran).toEqual({ status: 'succeeded', rows: [{ who: LOGIN_ROLE }] });
  });
});
