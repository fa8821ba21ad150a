// A job a role defines in SQL runs as that role, through the whole stack: the master finds it,
// claims its slot and the executor runs it under SET ROLE.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { fireAlarm, nextTick, makeDue } from '../support/master';
import { ALICE, asRole, ensureTestRoles } from '../support/roles';

beforeAll(ensureTestRoles);
beforeEach(resetDatabase);

describe('a job created by alice in SQL', () => {
  it('runs as alice, whether made by create_job or by INSERT, and alice reads its result', async () => {
    const command = 'SELECT current_user AS who';
    const jobs = await asRole(ALICE, async (q) => [
      Number(Object.values((await q(`SELECT edgecron.create_job($1::jsonb)`, [JSON.stringify({ cron: '* * * * *', command })]))[0]!)[0]),
      Number((await q<{ id: string }>(`INSERT INTO edgecron.job (schedule, command) VALUES ('* * * * *', $1) RETURNING id`, [command]))[0]!.id),
    ]);
    await nextTick();
    const slots: Date[] = [];
    for (const job of jobs) slots.push(await makeDue(job));
    await fireAlarm();

    // The slots made due (a minute beginning meanwhile would add slots of its own).
    const runs = await sql(
      `SELECT job_id, owner, status, result -> 'rows' AS rows FROM edgecron.run WHERE scheduled_for = ANY($1::timestamptz[]) ORDER BY job_id`,
      [slots.map((s) => s.toISOString())],
    );
    expect(runs).toEqual(jobs.map((job) => ({ job_id: String(job), owner: ALICE, status: 'succeeded', rows: [{ who: ALICE }] })));
    const seen = await asRole(ALICE, (q) =>
      q(`SELECT job_id, result -> 'rows' AS rows FROM edgecron.my_runs WHERE scheduled_for = ANY($1::timestamptz[]) ORDER BY job_id`, [
        slots.map((s) => s.toISOString()),
      ]),
    );
    expect(seen).toEqual(jobs.map((job) => ({ job_id: String(job), rows: [{ who: ALICE }] })));
  });
});
