// Timestamps PostgreSQL accepts but the scheduler cannot represent (infinity, BC dates, years
// past 9999; JavaScript dates end in 275760) are refused when a job is written, by plain SQL or
// the functions, with the column named.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { ALICE, asRole, ensureTestRoles, sqlError } from '../support/roles';

beforeAll(ensureTestRoles);
beforeEach(resetDatabase);

const outOfRange = (column: string, value: string | RegExp) => ({
  code: '22023',
  message:
    typeof value === 'string'
      ? `${column}: ${value} is out of range; give a timestamp between the years 1000 and 9999`
      : expect.stringMatching(new RegExp(`^${column}: ${value.source} is out of range; give a timestamp between the years 1000 and 9999$`)),
});

describe('job timestamps', () => {
  it('refuses infinity, BC and years past 9999 in run_after, start_at, end_at and dates, by INSERT', async () => {
    const errors = await asRole(ALICE, async (q) => [
      await sqlError(q(`INSERT INTO edgecron.job (command, run_after) VALUES ('SELECT 1', 'infinity')`)),
      await sqlError(q(`INSERT INTO edgecron.job (command, run_after) VALUES ('SELECT 1', '-infinity')`)),
      await sqlError(q(`INSERT INTO edgecron.job (schedule, command, start_at) VALUES ('0 3 * * *', 'SELECT 1', '0044-03-15 BC')`)),
      await sqlError(q(`INSERT INTO edgecron.job (schedule, command, end_at) VALUES ('0 3 * * *', 'SELECT 1', '275761-01-01')`)),
      await sqlError(q(`INSERT INTO edgecron.job (schedule, command, end_at) VALUES ('0 3 * * *', 'SELECT 1', '10000-01-01 00:00+00')`)),
      await sqlError(q(`INSERT INTO edgecron.job (command, dates) VALUES ('SELECT 1', ARRAY['2030-01-01', 'infinity']::timestamptz[])`)),
    ]);
    expect(errors).toEqual([
      outOfRange('run_after', 'infinity'),
      outOfRange('run_after', '-infinity'),
      outOfRange('start_at', /0044-03-1[45] .* BC/),
      outOfRange('end_at', /27576[01]-.*/),
      outOfRange('end_at', /(9999|10000)-.*/),
      outOfRange('dates', 'infinity'),
    ]);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 0 }]);
  });

  it('refuses them by UPDATE and through the functions, and keeps the job as it was', async () => {
    const [job] = await sql<{ id: string }>(`INSERT INTO edgecron.job (owner, command, run_after) VALUES ('alice', 'SELECT 1', '2030-01-01 00:00+00') RETURNING id`);
    const errors = await asRole(ALICE, async (q) => [
      await sqlError(q(`UPDATE edgecron.job SET run_after = 'infinity' WHERE id = $1`, [job!.id])),
      await sqlError(q(`SELECT edgecron.alter_job($1, '{"run_after": "-infinity"}'::jsonb)`, [job!.id])),
      await sqlError(q(`SELECT edgecron.submit_job('{"query": "SELECT 1", "run_after": "infinity"}'::jsonb)`)),
      await sqlError(q(`SELECT edgecron.submit_job('SELECT 1', run_after => 'infinity')`)),
      await sqlError(q(`SELECT edgecron.create_job('{"cron": "0 3 * * *", "command": "SELECT 1", "start_date": "-infinity"}'::jsonb)`)),
      await sqlError(q(`SELECT edgecron.create_job('{"dates": ["2030-01-01", "12000-01-01"], "command": "SELECT 1"}'::jsonb)`)),
    ]);
    expect(errors).toEqual([
      outOfRange('run_after', 'infinity'),
      outOfRange('run_after', '-infinity'),
      outOfRange('run_after', 'infinity'),
      outOfRange('run_after', 'infinity'),
      outOfRange('start_at', '-infinity'),
      outOfRange('dates', /1(1999|2000)-.*/),
    ]);
    expect(await sql(`SELECT run_after = '2030-01-01 00:00+00' AS unchanged FROM edgecron.job`)).toEqual([{ unchanged: true }]);
  });

  it('accepts the first and the last instants of years 1000 to 9999, and refuses the year 999 (the driver reads it wrongly)', async () => {
    const rows = await asRole(ALICE, async (q) =>
      q(`INSERT INTO edgecron.job (schedule, command, start_at, end_at)
         VALUES ('0 3 * * *', 'SELECT 1', '1000-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00') RETURNING start_at < end_at AS ordered`),
    );
    expect(rows).toEqual([{ ordered: true }]);
    const error = await asRole(ALICE, (q) =>
      sqlError(q(`INSERT INTO edgecron.job (command, run_after) VALUES ('SELECT 1', '0999-12-31 23:59:59+00')`)),
    );
    expect(error).toEqual(outOfRange('run_after', /0999-12-31 23:59:59\+00/));
  });
});

describe('job intervals', () => {
  it('refuses an infinite max_run_time, max_wait or backoff, naming the column', async () => {
    const [job] = await sql<{ id: string }>(`INSERT INTO edgecron.job (owner, command) VALUES ('alice', 'SELECT 1') RETURNING id`);
    const errors = await asRole(ALICE, async (q) => [
      await sqlError(q(`INSERT INTO edgecron.job (command, max_run_time) VALUES ('SELECT 1', 'infinity')`)),
      await sqlError(q(`UPDATE edgecron.job SET max_wait = 'infinity' WHERE id = $1`, [job!.id])),
      await sqlError(q(`UPDATE edgecron.job SET retry_backoff_max = 'infinity' WHERE id = $1`, [job!.id])),
      await sqlError(q(`SELECT edgecron.submit_job('SELECT 1', max_duration => 'infinity')`)),
    ]);
    const finite = (column: string) => ({ code: '22023', message: `${column}: must be a finite interval such as '10 minutes' (NULL for none)` });
    expect(errors).toEqual([finite('max_run_time'), finite('max_wait'), finite('retry_backoff_max'), finite('max_run_time')]);
  });
});
