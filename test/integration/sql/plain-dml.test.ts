// Jobs defined with plain INSERT and UPDATE on edgecron.job, as with pg_cron's cron.job: defaults
// fill in, what SQL can judge fails at INSERT with a message naming the column, and what only the
// schedule parser can judge is reported by the master as a broken job.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { nextTick } from '../support/master';
import { ALICE, asRole, ensureTestRoles, sqlError } from '../support/roles';

beforeAll(ensureTestRoles);
beforeEach(resetDatabase);

describe('INSERT into edgecron.job', () => {
  it('fills in the owner (current_user) and the defaults', async () => {
    const [row] = await asRole(ALICE, (q) =>
      q(`INSERT INTO edgecron.job (name, schedule, command) VALUES ('hello', '*/5 * * * *', 'SELECT 1')
         RETURNING owner, run_as, kind, state, enabled, overlap, max_instances, misfire, max_attempts, revision <> synced_revision AS unsynced`),
    );
    expect(row).toEqual({
      owner: ALICE,
      run_as: null,
      kind: 'recurring',
      state: 'active',
      enabled: true,
      overlap: 'skip',
      max_instances: 1,
      misfire: 'run_once',
      max_attempts: 1,
      unsynced: true,
    });
  });

  it.each([
    ['command', `'  '`, 'command: must not be empty'],
    ['commands', `ARRAY['SELECT 1', '']`, 'commands: must be a non-empty list of non-empty SQL strings'],
    ['schedule', `'{"cron": "* * * * *"}'`, 'schedule: "{"cron": "* * * * *"}" is JSON, not schedule text'],
    ['schedule', `'@every 0 seconds'`, 'schedule: the interval must be at least 1 second in "@every 0 seconds"'],
    ['rule', `'[1, 2]'`, 'rule: must be a JSON object such as {"minutes": [0], "hours": [9]}'],
    ['timezone', `'+05:30'`, 'timezone: "+05:30" is not an IANA time zone name such as Europe/Berlin'],
    ['max_run_time', `'-5 minutes'`, 'max_run_time: must be positive, got -00:05:00'],
    ['overlap', `'parallel'`, 'overlap: must be skip or queue, got "parallel"'],
    ['depends_on', `ARRAY[999999]`, 'depends_on: no job 999999 visible to you'],
    ['name', `''`, 'name: must not be empty (NULL for no name)'],
  ])('refuses a bad %s (%s) with 22023 and says why', async (column, value, message) => {
    const base: Record<string, string> = { schedule: `'* * * * *'`, command: `'SELECT 1'` };
    if (column === 'commands') delete base.command;
    if (column === 'rule' || column === 'depends_on') delete base.schedule;
    const values = { ...base, [column]: value };
    const statement = `INSERT INTO edgecron.job (${Object.keys(values).join(', ')}) VALUES (${Object.values(values).join(', ')})`;
    expect(await asRole(ALICE, (q) => sqlError(q(statement)))).toMatchObject({ code: '22023', message });
  });

  it('refuses a job that says two things where it must say one', async () => {
    const errors = await asRole(ALICE, async (q) => [
      await sqlError(q(`INSERT INTO edgecron.job (schedule, command, commands) VALUES ('* * * * *', 'SELECT 1', ARRAY['SELECT 2'])`)),
      await sqlError(q(`INSERT INTO edgecron.job (schedule, rule, command) VALUES ('* * * * *', '{"hours": [1]}', 'SELECT 1')`)),
      await sqlError(q(`INSERT INTO edgecron.job (command, run_after, depends_on) VALUES ('SELECT 1', now(), ARRAY[1])`)),
      await sqlError(q(`INSERT INTO edgecron.job (schedule) VALUES ('* * * * *')`)),
      await sqlError(q(`INSERT INTO edgecron.job (schedule, command, depends_on) VALUES ('* * * * *', 'SELECT 1', ARRAY[1])`)),
    ]);
    expect(errors).toEqual([
      { code: '22023', message: 'command, commands: give one, not both' },
      { code: '22023', message: 'schedule, rule, dates: give only one' },
      { code: '22023', message: 'run_after, depends_on: conflict in start time; give one' },
      { code: '22023', message: 'command: a job needs a command (or commands)' },
      { code: '22023', message: 'depends_on: only one-time jobs can depend on other jobs' },
    ]);
  });

  it("leaves the schedule text to the master, which marks the job broken with the reason, visible in my_jobs", async () => {
    const [row] = await asRole(ALICE, (q) =>
      q<{ id: string }>(`INSERT INTO edgecron.job (name, schedule, command) VALUES ('moon', 'every full moon', 'SELECT 1') RETURNING id`),
    );
    await nextTick();
    const [seen] = await asRole(ALICE, (q) => q('SELECT state, broken_reason, next_run_at, synced FROM edgecron.my_jobs'));
    expect(seen).toMatchObject({ state: 'broken', next_run_at: null, synced: true });
    expect(seen?.broken_reason).toMatch(/every full moon/);

    // Fixing the schedule re-activates the job; the master then schedules it.
    await asRole(ALICE, (q) => q(`UPDATE edgecron.job SET schedule = '*/5 * * * *' WHERE id = $1`, [row!.id]));
    expect(await asRole(ALICE, (q) => q('SELECT state, broken_reason, synced FROM edgecron.my_jobs'))).toEqual([
      { state: 'active', broken_reason: null, synced: false },
    ]);
    await nextTick();
    const [fixed] = await asRole(ALICE, (q) => q<{ next_run_at: Date | null }>('SELECT next_run_at FROM edgecron.my_jobs'));
    expect(fixed?.next_run_at).not.toBeNull();
  });
});

describe('UPDATE of edgecron.job', () => {
  it('re-activates a broken job when its owner sets state back to active', async () => {
    const [row] = await asRole(ALICE, (q) =>
      q<{ id: string }>(`INSERT INTO edgecron.job (schedule, command) VALUES ('* * * * *', 'SELECT 1') RETURNING id`),
    );
    await sql(
      `UPDATE edgecron.job SET state = 'broken', broken_reason = 'failed 3 times', consecutive_failures = 3, synced_revision = revision
        WHERE id = $1`,
      [row!.id],
    );
    await asRole(ALICE, (q) => q(`UPDATE edgecron.job SET state = 'active' WHERE id = $1`, [row!.id]));
    expect(await sql('SELECT state, broken_reason, consecutive_failures, revision <> synced_revision AS unsynced FROM edgecron.job')).toEqual([
      { state: 'active', broken_reason: null, consecutive_failures: 0, unsynced: true },
    ]);
  });

  it('cancels a one-time job that has not started when its owner sets it done', async () => {
    const [row] = await asRole(ALICE, (q) =>
      q<{ id: string }>(`INSERT INTO edgecron.job (command, run_after) VALUES ('SELECT 1', now() + interval '1 day') RETURNING id`),
    );
    await asRole(ALICE, (q) => q(`UPDATE edgecron.job SET state = 'done' WHERE id = $1`, [row!.id]));
    expect(await sql('SELECT j.state, r.status, r.reason FROM edgecron.job j JOIN edgecron.run r ON r.job_id = j.id')).toEqual([
      { state: 'done', status: 'canceled', reason: 'canceled before it started' },
    ]);
  });
});
