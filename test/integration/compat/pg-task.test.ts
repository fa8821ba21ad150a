// The pg_task pack (compat/pg_task.sql): the examples of pg_task's README and of the 2019 article
// in the reference seeds (001), run as written, produce the runs they promise, read back from
// the task table: output, error and state written back from edgecron's runs.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { dueSince, jobRow, resetSettings, runsOf, tick, type RunRow } from '../support/engine';
import { ALICE, asRole, BOB, DANA, ensureTestRoles, sqlError } from '../support/roles';
import { firstValue, freshTable } from './support';

beforeAll(ensureTestRoles);
beforeEach(async () => {
  await resetDatabase();
  await resetSettings();
});

interface TaskRow {
  id: string;
  plan: Date;
  state: string;
  input: string;
  output: string | null;
  error: string | null;
  group: string;
  max: number;
}

/** Inserts as written and returns the new task's id (the last task, when the SQL has no RETURNING). */
async function insertTask(statement: string): Promise<number> {
  await sql(statement);
  return firstValue(await sql('SELECT max(id) FROM task'));
}

const taskRow = async (id: number) =>
  (await sql<TaskRow & Record<string, unknown>>('SELECT * FROM task WHERE id = $1', [id]))[0]!;

/** The most runs of `runs` that were running at the same moment. */
function mostAtOnce(runs: RunRow[]): number {
  const edges = runs.flatMap((r) => [
    { t: r.started_at!.getTime(), d: 1 },
    { t: r.finished_at!.getTime(), d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (now += e.d));
  return most;
}

describe('the pg_task article in the reference seeds (001)', () => {
  it('runs a task as soon as possible and writes its result back (request, response)', async () => {
    const id = await insertTask(`INSERT INTO task (request) VALUES ('SELECT now()')`);
    expect(await taskRow(id)).toMatchObject({ state: 'PLAN', request: 'SELECT now()', input: 'SELECT now()', output: null });
    await tick();
    const task = await taskRow(id);
    expect(task).toMatchObject({ state: 'DONE', error: null });
    expect(task.output).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(task.response).toBe(task.output);
    expect(task.start).toEqual(expect.any(Date));
    expect(task.stop).toEqual(expect.any(Date));
  });

  it("plans a task 5 minutes ahead (the article's '5 min':INTERVAL is a typo PostgreSQL refuses; with :: it works)", async () => {
    const typo = await sqlError(sql(`INSERT INTO task (dt, request) VALUES (now() + '5 min':INTERVAL, 'SELECT now()')`));
    expect(typo.code).toBe('42601');
    const id = await insertTask(`INSERT INTO task (dt, request) VALUES (now() + '5 min'::INTERVAL, 'SELECT now()')`);
    await tick();
    expect(await taskRow(id)).toMatchObject({ state: 'PLAN' });
    const next = (await jobRow(id)).next_run_at as Date;
    expect(next.getTime() - Date.now()).toBeGreaterThan(4.5 * 60_000);
    await dueSince(id);
    await tick();
    expect(await taskRow(id)).toMatchObject({ state: 'DONE' });
  });

  it('gives up a task planned at a time long past (2019): it is GONE, as it is past pg_task.active', async () => {
    const id = await insertTask(`INSERT INTO task (dt, request) VALUES ('2019-07-01 00:00:00', 'SELECT now()')`);
    await tick();
    const task = await taskRow(id);
    expect(task).toMatchObject({ state: 'GONE', output: null, plan: new Date('2019-07-01T00:00:00Z') });
    expect(task.error).toMatch(/could not start before its deadline/);
  });

  it('repeats a task every 5 minutes from its plan, or 5 minutes after it ends (drift false, in the 2019 meaning)', async () => {
    const aligned = await insertTask(`INSERT INTO task (repeat, request) VALUES ('5 min', 'SELECT now()')`);
    const afterEnd = await insertTask(`INSERT INTO task (repeat, request, drift) VALUES ('5 min', 'SELECT now()', false)`);
    await tick();

    const plan = (await taskRow(aligned)).plan.getTime();
    expect(((await jobRow(aligned)).next_run_at as Date).getTime()).toBe(plan + 5 * 60_000);
    const [ended] = await runsOf(afterEnd);
    const next = ((await jobRow(afterEnd)).next_run_at as Date).getTime();
    // Computed right after the run, before its end is recorded.
    expect(Math.abs(next - ended!.finished_at!.getTime() - 5 * 60_000)).toBeLessThan(1_000);

    await dueSince(aligned);
    await tick();
    expect((await runsOf(aligned)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(await taskRow(aligned)).toMatchObject({ state: 'DONE', repeat: expect.objectContaining({ minutes: 5 }) });
  });

  it('catches an exception and writes it back with state FAIL', async () => {
    const id = await insertTask(`INSERT INTO task (request) VALUES ('SELECT 1/0')`);
    await tick();
    expect(await taskRow(id)).toMatchObject({
      state: 'FAIL',
      output: null,
      error: 'ERROR:  division by zero\nSTATEMENT:  SELECT 1/0',
    });
  });

  it("runs at most 2 tasks of queue 'queue' at once with max 2 (not 3, as pg_task's code does)", async () => {
    await sql(`INSERT INTO task (queue, max, request) VALUES ('queue', 2, 'SELECT now()')`);
    expect(await sql(`SELECT name, max_running FROM edgecron.queue`)).toEqual([{ name: 'queue', max_running: 2 }]);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await insertTask(`INSERT INTO task (queue, max, request) VALUES ('queue', 2, 'SELECT pg_sleep(0.5)')`));
    await tick();
    const runs = (await Promise.all(ids.map((id) => runsOf(id)))).flat();
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(mostAtOnce(runs)).toBe(2);
  });

  it('lets an edgecron_admin raise a group to max at once; an ordinary role\'s tasks keep the group\'s limit', async () => {
    // A group's limit is shared by every role's tasks in it, so only an admin may raise it.
    const insertAs = (role: string, n: number, group: string) =>
      asRole(role, async (q) => {
        const ids: number[] = [];
        for (let i = 0; i < n; i++) {
          ids.push(firstValue(await q(`INSERT INTO task ("group", max, input) VALUES ($1, 2, 'SELECT pg_sleep(0.4)') RETURNING id`, [group])));
        }
        return ids;
      });
    const alices = await insertAs(ALICE, 3, 'alice-group');
    const danas = await insertAs(DANA, 3, 'dana-group');
    expect(await sql('SELECT name, max_running FROM edgecron.queue ORDER BY name')).toEqual([{ name: 'dana-group', max_running: 2 }]);
    await tick();
    const runs = async (ids: number[]) => (await Promise.all(ids.map((id) => runsOf(id)))).flat();
    expect(mostAtOnce(await runs(alices))).toBe(1);
    expect(mostAtOnce(await runs(danas))).toBe(2);
  });

  it('runs a task with a higher max before the others waiting in its queue (max as priority)', async () => {
    const [others, first] = await asRole(ALICE, async (q) => {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(firstValue(await q(`INSERT INTO task (queue, max, request) VALUES ('queue', 2, 'SELECT now()') RETURNING id`)));
      }
      return [ids, firstValue(await q(`INSERT INTO task (queue, max, request) VALUES ('queue', 3, 'SELECT now()') RETURNING id`))];
    });
    // alice may not raise the queue's limit (edgecron.queue is an admin's): one at a time, by priority.
    expect(await sql('SELECT * FROM edgecron.queue')).toEqual([]);
    await tick();
    const started = async (id: number) => (await runsOf(id))[0]!.started_at!.getTime();
    for (const other of others!) expect(await started(first)).toBeLessThan(await started(other));
  });
});

describe("pg_task's README", () => {
  it('runs its examples with the current column names (input, plan, repeat, "group")', async () => {
    const now = await insertTask(`INSERT INTO task (input) VALUES ('SELECT now()')`);
    const at = await insertTask(`INSERT INTO task (plan, input) VALUES (now() + '5 min'::interval, 'SELECT now()');`);
    const every = await insertTask(`INSERT INTO task (repeat, input) VALUES ('5 min', 'SELECT now()')`);
    const fails = await insertTask(`INSERT INTO task (input) VALUES ('SELECT 1/0')`);
    const grouped = await insertTask(`INSERT INTO task ("group", max, input) VALUES ('group', 1, 'SELECT now()')`);
    await tick();
    const states = await sql(`SELECT id, state FROM task ORDER BY id`);
    expect(states).toEqual([
      { id: String(now), state: 'DONE' },
      { id: String(at), state: 'PLAN' },
      { id: String(every), state: 'DONE' },
      { id: String(fails), state: 'FAIL' },
      { id: String(grouped), state: 'DONE' },
    ]);
    const plannedIn = (await taskRow(at)).plan.getTime() - Date.now();
    expect(plannedIn).toBeGreaterThan(4 * 60_000);
    expect(plannedIn).toBeLessThanOrEqual(5 * 60_000);
    expect(((await jobRow(at)).next_run_at as Date).getTime()).toBe((await taskRow(at)).plan.getTime());
  });

  it('runs the tasks of "group" with max 1 one at a time', async () => {
    const ids = [await insertTask(`INSERT INTO task ("group", max, input) VALUES ('group', 1, 'SELECT now()');`)];
    for (let i = 0; i < 3; i++) ids.push(await insertTask(`INSERT INTO task ("group", max, input) VALUES ('group', 1, 'SELECT pg_sleep(0.3)')`));
    await tick();
    const runs = (await Promise.all(ids.map((id) => runsOf(id)))).flat();
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(mostAtOnce(runs)).toBe(1);
  });

  it('refuses the README\'s unquoted group (a reserved word; PostgreSQL refuses it) and a remote task', async () => {
    expect((await sqlError(sql(`INSERT INTO task (group, max, input) VALUES ('group', 1, 'SELECT now()')`))).code).toBe('42601');
    const remote = await sqlError(sql(`INSERT INTO task (input, remote) VALUES ('SELECT now()', 'user=user host=host')`));
    expect(remote).toMatchObject({ code: '0A000', message: 'remote: edgecron runs a task in the database that holds it' });
  });
});

describe('pg_task semantics on edgecron', () => {
  it('writes rows as pg_task does: a header for several columns, tab-separated values, \\N for NULL', async () => {
    const id = await insertTask(`INSERT INTO task (input) VALUES ('SELECT 1 AS a, NULL::int AS b UNION ALL SELECT 3, 4')`);
    const tag = await insertTask(`INSERT INTO task (input) VALUES ('CREATE TEMP TABLE t AS SELECT 1 AS x; INSERT INTO t VALUES (2)')`);
    await tick();
    expect((await taskRow(id)).output).toBe('a\tb\n1\t\\N\n3\t4');
    expect((await taskRow(tag)).output).toBe('INSERT 0 1');
  });

  it('deletes a task that ended without output or error when delete is true (the default), as pg_task does', async () => {
    const empty = await insertTask(`INSERT INTO task (input) VALUES ('SELECT 1 WHERE false')`);
    const kept = await insertTask(`INSERT INTO task (input, "delete") VALUES ('SELECT 1 WHERE false', false)`);
    const wrote = await insertTask(`INSERT INTO task (input) VALUES ('SELECT 1')`);
    const failed = await insertTask(`INSERT INTO task (input) VALUES ('SELECT 1/0')`);
    const repeats = await insertTask(`INSERT INTO task (repeat, input) VALUES ('1 hour', 'SELECT 1 WHERE false')`);
    await tick();
    expect(await sql('SELECT id, state, output, "delete" FROM task ORDER BY id')).toEqual([
      { id: String(kept), state: 'DONE', output: null, delete: false },
      { id: String(wrote), state: 'DONE', output: '1', delete: true },
      { id: String(failed), state: 'FAIL', output: null, delete: true },
      { id: String(repeats), state: 'DONE', output: null, delete: true },
    ]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job WHERE id = $1', [empty])).toEqual([{ n: 0 }]);
    // A repeating task is one row for every repetition: it stays, and runs again.
    expect((await jobRow(repeats)).next_run_at).toEqual(expect.any(Date));
  });

  it('keeps, rather than waits for, a task whose rows its role holds locked, and records every run on time', async () => {
    const [held, free] = await asRole(ALICE, async (q) => [
      firstValue(await q(`INSERT INTO task (input) VALUES ('SELECT 1 WHERE false') RETURNING id`)),
      firstValue(await q(`INSERT INTO task (input) VALUES ('SELECT 2 WHERE false') RETURNING id`)),
    ]);
    const other = await insertTask(`INSERT INTO task (input) VALUES ('SELECT 3')`);
    await asRole(ALICE, async (q) => {
      await q('BEGIN');
      await q('SELECT * FROM pgtask.task_option WHERE job_id = $1 FOR UPDATE', [held]);
      await tick();
    });
    expect(await sql('SELECT id, state FROM task ORDER BY id')).toEqual([
      { id: String(held), state: 'DONE' },
      { id: String(other), state: 'DONE' },
    ]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job WHERE id = $1', [free])).toEqual([{ n: 0 }]);
  });

  it("takes pg_task's save column, and says a task's session is never kept", async () => {
    const id = await insertTask(`INSERT INTO task (save, input) VALUES (true, 'SELECT 1')`);
    expect(await taskRow(id)).toMatchObject({ save: true, state: 'PLAN' });
    await sql(`UPDATE task SET save = false WHERE id = $1`, [id]);
    expect(await taskRow(id)).toMatchObject({ save: false });
    expect(await sql(`SELECT save FROM task WHERE id = $1`, [await insertTask(`INSERT INTO task (input) VALUES ('SELECT 2')`)])).toEqual([
      { save: false },
    ]);
  });

  it('times a task out after timeout, and knows the task that inserted it (parent)', async () => {
    const slow = await insertTask(`INSERT INTO task (input, timeout) VALUES ('SELECT pg_sleep(5)', '200 ms')`);
    const spawner = await insertTask(`INSERT INTO task (input) VALUES ($$INSERT INTO task (input) VALUES ('SELECT 42')$$)`);
    await tick();
    expect(await taskRow(slow)).toMatchObject({ state: 'FAIL', error: expect.stringMatching(/statement timeout/) });
    const [child] = await sql(`SELECT parent, input FROM task WHERE parent IS NOT NULL`);
    expect(child).toEqual({ parent: String(spawner), input: 'SELECT 42' });
  });

  it('stops a planned task (state STOP), plans it again (state PLAN), and deletes it', async () => {
    const id = await insertTask(`INSERT INTO task (plan, input) VALUES (now() + interval '1 hour', 'SELECT 1')`);
    await sql(`UPDATE task SET state = 'STOP' WHERE id = $1`, [id]);
    expect(await taskRow(id)).toMatchObject({ state: 'STOP' });
    await sql(`UPDATE task SET state = 'PLAN' WHERE id = $1`, [id]);
    await tick();
    expect(await taskRow(id)).toMatchObject({ state: 'DONE', output: '1' });
    await sql(`DELETE FROM task WHERE id = $1`, [id]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });

  it('lets a repeating task change its repeat without losing its next start', async () => {
    const id = await insertTask(`INSERT INTO task (repeat, input) VALUES ('5 min', 'SELECT 1')`);
    await tick();
    const planned = (await jobRow(id)).next_run_at as Date;
    await sql(`UPDATE task SET repeat = '1 hour' WHERE id = $1`, [id]);
    await tick();
    const job = await jobRow(id);
    expect(job.next_run_at).toEqual(planned);
    expect(job.next_time_statement).toContain(`'01:00:00'::interval`);
    // Run early: the next point of the new 1-hour grid, which starts at the kept start, is that start.
    await dueSince(id);
    await tick();
    expect(await runsOf(id)).toHaveLength(2);
    expect((await jobRow(id)).next_run_at).toEqual(planned);
  });

  it('makes a finished task repeat only from a new plan', async () => {
    const id = await insertTask(`INSERT INTO task (input) VALUES ('SELECT 1')`);
    await tick();
    expect((await sqlError(sql(`UPDATE task SET repeat = '5 min' WHERE id = $1`, [id]))).code).toBe('55000');
    await sql(`UPDATE task SET repeat = '5 min', plan = now() WHERE id = $1`, [id]);
    await tick();
    expect(await taskRow(id)).toMatchObject({ state: 'DONE' });
    expect(await runsOf(id)).toHaveLength(2);
    expect(((await jobRow(id)).next_run_at as Date).getTime() - Date.now()).toBeGreaterThan(4 * 60_000);
  });

  it('refuses writing what the scheduler writes', async () => {
    const id = await insertTask(`INSERT INTO task (input) VALUES ('SELECT 1')`);
    expect((await sqlError(sql(`UPDATE task SET output = 'x' WHERE id = $1`, [id]))).code).toBe('42501');
  });
});

describe('pg_task pack security', () => {
  it("makes a task a job of the role that inserted it; another role neither sees nor changes it", async () => {
    await freshTable('visits', 'who text');
    await sql('GRANT INSERT ON visits TO bob');
    const bobs = await asRole(BOB, async (q) =>
      firstValue(await q(`INSERT INTO task (input) VALUES ('INSERT INTO visits SELECT current_user') RETURNING id`)),
    );
    await asRole(ALICE, async (q) => {
      expect(await q('SELECT * FROM task')).toEqual([]);
      expect(await q(`UPDATE task SET input = 'SELECT 1' WHERE id = $1 RETURNING id`, [bobs])).toEqual([]);
      expect(await q(`DELETE FROM task WHERE id = $1 RETURNING id`, [bobs])).toEqual([]);
      expect(await q('SELECT * FROM pgtask.task_option')).toEqual([]);
    });
    await tick();
    expect(await sql('SELECT who FROM visits')).toEqual([{ who: BOB }]);
    expect(await jobRow(bobs)).toMatchObject({ owner: BOB });
  });
});
