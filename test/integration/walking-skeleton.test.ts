import { beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../setup/tokens';
import { callApi } from './support/api';
import { resetDatabase, sql } from './support/database';
import { fireAlarm, nextTick, insertJob, mainMaster, makeDue } from './support/master';

describe('a job defined in SQL', () => {
  beforeEach(resetDatabase);

  it('is found by the master, fires at the start of its minute and records its result', async () => {
    const jobId = await insertJob('hello', '* * * * *', 'SELECT 1');
    const before = Date.now();
    await nextTick();

    const [job] = await sql<{ next_run_at: Date }>('SELECT next_run_at FROM edgecron.job WHERE id = $1', [jobId]);
    const firstSlot = new Date(job!.next_run_at);
    expect(firstSlot.getTime() % 60_000).toBe(0);
    expect(firstSlot.getTime()).toBeGreaterThan(before);
    expect(firstSlot.getTime()).toBeLessThanOrEqual(before + 60_000);
    const status = await mainMaster().status();
    expect(status.database).toBe('main');
    expect(status.nextAlarm).not.toBeNull();

    const slot = await makeDue(jobId);
    expect(await fireAlarm()).toBe(true);

    // The slot made due ran once. (Should the test straddle a minute boundary, the minute that
    // just began has come too and runs as well: a slot of its own, never a second run of this one.)
    const runs = await sql('SELECT * FROM edgecron.run WHERE job_id = $1 AND scheduled_for = $2', [jobId, slot]);
    expect(runs).toHaveLength(1);
    expect(await sql('SELECT scheduled_for FROM edgecron.run WHERE job_id = $1 GROUP BY 1 HAVING count(*) > 1', [jobId])).toEqual([]);
    const run = runs[0]!;
    expect(run.status).toBe('succeeded');
    expect(new Date(run.scheduled_for as Date).toISOString()).toBe(slot.toISOString());
    expect(new Date(run.started_at as Date).getTime()).toBeGreaterThanOrEqual(slot.getTime());
    expect(new Date(run.finished_at as Date).getTime()).toBeGreaterThanOrEqual(new Date(run.started_at as Date).getTime());
    expect(run.result).toEqual({ command: 'SELECT', row_count: 1, columns: ['?column?'], rows: [{ '?column?': 1 }], truncated: false });
    expect(run.error).toBeNull();

    // Back on its schedule: the first slot, or the next minute if that one has come meanwhile.
    const [after] = await sql<{ next_run_at: Date }>('SELECT next_run_at FROM edgecron.job WHERE id = $1', [jobId]);
    expect([firstSlot.getTime(), firstSlot.getTime() + 60_000]).toContain(new Date(after!.next_run_at).getTime());
    expect((await mainMaster().status()).nextAlarm).not.toBeNull();
  });

  it('records the error with its SQLSTATE when the SQL fails', async () => {
    const jobId = await insertJob('divide', '* * * * *', 'SELECT 1/0');
    await nextTick();
    await makeDue(jobId);
    await fireAlarm();

    const [run] = await sql('SELECT status, result, error FROM edgecron.run WHERE job_id = $1', [jobId]);
    expect(run?.status).toBe('failed');
    expect(run?.result).toBeNull();
    expect(run?.error).toMatchObject({ sqlstate: '22012', message: 'division by zero' });
  });

  it('runs as the job owner and is visible in pg_stat_activity under its application_name', async () => {
    const jobId = await insertJob(
      'whoami',
      '* * * * *',
      `SELECT current_user AS who, current_setting('application_name') AS app`,
    );
    await nextTick();
    await makeDue(jobId);
    await fireAlarm();
    const [run] = await sql<{ id: string; result: { rows: Array<{ who: string; app: string }> } }>(
      'SELECT id, result FROM edgecron.run WHERE job_id = $1',
      [jobId],
    );
    expect(run?.result.rows[0]).toEqual({ who: 'postgres', app: `edgecron main run ${run?.id}` });
  });

  it('marks a job with a garbage schedule broken while the other jobs keep running', async () => {
    const broken = await insertJob('garbage', 'every full moon', 'SELECT 1');
    const fine = await insertJob('fine', '* * * * *', 'SELECT 2');
    await nextTick();
    const [row] = await sql<{ state: string; broken_reason: string; next_run_at: Date | null }>(
      'SELECT state, broken_reason, next_run_at FROM edgecron.job WHERE id = $1',
      [broken],
    );
    expect(row?.state).toBe('broken');
    expect(row?.broken_reason).toMatch(/every full moon/);
    expect(row?.next_run_at).toBeNull();

    const slot = await makeDue(fine);
    await fireAlarm();
    // The slot made due (a minute beginning meanwhile would add a slot of its own).
    const runs = await sql('SELECT job_id, status FROM edgecron.run WHERE scheduled_for = $1 ORDER BY id', [slot]);
    expect(runs).toEqual([{ job_id: String(fine), status: 'succeeded' }]);
    expect(await sql('SELECT id FROM edgecron.run WHERE job_id = $1', [broken])).toEqual([]);
  });
});

describe('the runs endpoint', () => {
  beforeEach(resetDatabase);

  it('answers 401 without a token or with a wrong one', async () => {
    const missing = await callApi('/v1/databases/main/runs');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const wrong = await callApi('/v1/databases/main/runs', { token: 'nope' });
    expect(wrong.status).toBe(401);
  });

  it("returns a job's runs newest first", async () => {
    const jobId = await insertJob('listed', '* * * * *', 'SELECT 1');
    await sql(
      `INSERT INTO edgecron.run (job_id, scheduled_for, status) VALUES
         ($1, '2026-01-01T00:00:00Z', 'succeeded'), ($1, '2026-01-01T00:01:00Z', 'failed')`,
      [jobId],
    );
    const response = await callApi(`/v1/databases/main/runs?job=${jobId}`, { token: ADMIN_TOKEN });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { runs: Array<{ job_id: number; status: string; scheduled_for: string }> };
    expect(body.runs.map((r) => [r.job_id, r.status, r.scheduled_for])).toEqual([
      [jobId, 'failed', '2026-01-01T00:01:00.000Z'],
      [jobId, 'succeeded', '2026-01-01T00:00:00.000Z'],
    ]);
  });

  it('answers /healthz without a token', async () => {
    const response = await callApi('/healthz');
    expect(response.status).toBe(200);
  });
});
