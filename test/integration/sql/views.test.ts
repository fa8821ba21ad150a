// The views users read: my_jobs, my_runs, running and job_health. Runs are written here as the
// engine records them (as the superuser), so the views are tested apart from the engine.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetDatabase, sql } from '../support/database';
import { ALICE, asRole, ensureTestRoles } from '../support/roles';

beforeAll(ensureTestRoles);
beforeEach(resetDatabase);

async function alicesJob(schedule = '* * * * *'): Promise<number> {
  const [row] = await asRole(ALICE, (q) =>
    q<{ id: string }>(`INSERT INTO edgecron.job (name, schedule, command) VALUES ('j', $1, 'SELECT 1') RETURNING id`, [schedule]),
  );
  return Number(row!.id);
}

/** Inserts an engine-recorded run of alice's job; times are seconds after 2030-01-01 00:00 UTC. */
async function run(
  job: number,
  fields: { slot: number; status: string; lag?: number; took?: number; attempt?: number; error?: string; fallback?: object },
): Promise<void> {
  const started = fields.lag === undefined ? null : fields.slot + fields.lag;
  await sql(
    `INSERT INTO edgecron.run (job_id, owner, scheduled_for, attempt, status, started_at, finished_at, error, fallback)
     VALUES ($1, 'alice', to_timestamp(1893456000 + $2), $3, $4,
             to_timestamp(1893456000 + $5), to_timestamp(1893456000 + $6), $7, $8)`,
    [
      job,
      fields.slot,
      fields.attempt ?? 1,
      fields.status,
      started,
      fields.status === 'running' ? null : (started ?? fields.slot) + (fields.took ?? 1),
      fields.error === undefined ? null : { message: fields.error, sqlstate: 'P0001' },
      fields.fallback ?? null,
    ],
  );
}

describe('my_jobs', () => {
  it('shows each job with its next run time, its latest run and whether the master has seen it', async () => {
    const job = await alicesJob();
    const before = await asRole(ALICE, (q) => q('SELECT id, owner, kind, state, next_run_at, last_status, synced FROM edgecron.my_jobs'));
    expect(before).toEqual([{ id: String(job), owner: ALICE, kind: 'recurring', state: 'active', next_run_at: null, last_status: null, synced: false }]);

    await sql(`UPDATE edgecron.job SET next_run_at = '2030-01-01 00:05:00+00', synced_revision = revision WHERE id = $1`, [job]);
    await run(job, { slot: 0, status: 'succeeded', lag: 1 });
    await run(job, { slot: 60, status: 'failed', lag: 2, error: 'boom' });
    const after = await asRole(ALICE, (q) =>
      q('SELECT next_run_at, last_status, last_run_at, last_finished_at, last_error, synced FROM edgecron.my_jobs'),
    );
    expect(after).toEqual([
      {
        next_run_at: new Date('2030-01-01T00:05:00Z'),
        last_status: 'failed',
        last_run_at: new Date('2030-01-01T00:01:02Z'),
        last_finished_at: new Date('2030-01-01T00:01:03Z'),
        last_error: 'boom',
        synced: true,
      },
    ]);
  });

  it('shows why a job is broken', async () => {
    const job = await alicesJob();
    await sql(`UPDATE edgecron.job SET state = 'broken', broken_reason = 'schedule: nonsense' WHERE id = $1`, [job]);
    expect(await asRole(ALICE, (q) => q('SELECT state, broken_reason FROM edgecron.my_jobs'))).toEqual([
      { state: 'broken', broken_reason: 'schedule: nonsense' },
    ]);
  });
});

describe('my_runs', () => {
  it('shows runs with their job name, start lag, duration and whether the fallback failed too', async () => {
    const job = await alicesJob();
    await run(job, { slot: 0, status: 'failed', lag: 2, took: 5, error: 'boom', fallback: { status: 'failed', error: { message: 'again' } } });
    await run(job, { slot: 60, status: 'failed', lag: 1, took: 1, error: 'boom', fallback: { status: 'succeeded' } });
    const rows = await asRole(ALICE, (q) =>
      q(`SELECT job_name, status, start_lag, duration, error ->> 'message' AS error, double_fault FROM edgecron.my_runs ORDER BY id`),
    );
    expect(rows).toEqual([
      { job_name: 'j', status: 'failed', start_lag: expect.objectContaining({ seconds: 2 }), duration: expect.objectContaining({ seconds: 5 }), error: 'boom', double_fault: true },
      { job_name: 'j', status: 'failed', start_lag: expect.objectContaining({ seconds: 1 }), duration: expect.objectContaining({ seconds: 1 }), error: 'boom', double_fault: false },
    ]);
  });
});

describe('running', () => {
  it("shows runs in flight with their backend and elapsed time, and the backend's activity to those allowed to see it", async () => {
    const job = await alicesJob();
    const { superuser, alice } = await asRole('postgres', async (executor) => {
      const [{ pid }] = (await executor<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
      const [row] = await sql<{ id: string }>(
        `INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, started_at, backend_pid)
         VALUES ($1, 'alice', now() - interval '1 minute', 'running', now() - interval '50 seconds', $2) RETURNING id`,
        [job, pid],
      );
      await executor(`SELECT set_config('application_name', $1, false)`, [`edgecron main run ${row!.id}`]);
      const columns = `run_id, job_id, job_name, owner, backend_pid, elapsed >= interval '50 seconds' AS elapsed_ok,
                       backend_state, backend_query LIKE '%edgecron.running%' AS query_shown`;
      return {
        superuser: await executor(`SELECT ${columns} FROM edgecron.running`),
        alice: await asRole(ALICE, (q) => q(`SELECT ${columns} FROM edgecron.running`)),
      };
    });
    const seen = { job_id: String(job), job_name: 'j', owner: ALICE, elapsed_ok: true };
    expect(superuser).toEqual([expect.objectContaining({ ...seen, backend_state: 'active', query_shown: true })]);
    expect(alice).toEqual([expect.objectContaining({ ...seen, backend_pid: superuser[0]!.backend_pid, backend_state: null, query_shown: null })]);
  });
});

describe('job_health', () => {
  it('gives the last success and failure, the failure streak and the start lag percentiles', async () => {
    const job = await alicesJob();
    await run(job, { slot: 0, status: 'succeeded', lag: 1 });
    await run(job, { slot: 60, status: 'failed', lag: 2, error: 'boom 1' });
    await run(job, { slot: 120, status: 'succeeded', lag: 3 });
    await run(job, { slot: 180, status: 'failed', lag: 4, error: 'boom 2' });
    await run(job, { slot: 180, status: 'failed', lag: 100, attempt: 2, error: 'boom 3' });
    await run(job, { slot: 240, status: 'skipped' });
    await run(job, { slot: 300, status: 'timed_out', lag: 5, error: 'too slow' });
    const [health] = await asRole(ALICE, (q) => q('SELECT * FROM edgecron.job_health'));
    expect(health).toMatchObject({
      job_id: String(job),
      last_success_at: new Date('2030-01-01T00:02:04Z'),
      last_failure_at: new Date('2030-01-01T00:05:06Z'),
      last_failure_status: 'timed_out',
      last_failure_message: 'too slow',
      consecutive_failures: '3',
      runs_counted: '7',
      succeeded: '2',
      failed: '4',
      start_lag_p50: expect.objectContaining({ seconds: 3 }),
      start_lag_p50_ms: '3000',
      start_lag_p95_ms: '4800',
    });
  });

  it('shows a job without runs with no history', async () => {
    await alicesJob();
    expect(await asRole(ALICE, (q) => q('SELECT last_success_at, consecutive_failures, runs_counted, start_lag_p50 FROM edgecron.job_health'))).toEqual([
      { last_success_at: null, consecutive_failures: '0', runs_counted: '0', start_lag_p50: null },
    ]);
  });
});
