import { beforeEach, describe, expect, it } from 'vitest';
import { ALICE_TOKEN } from '../../setup/tokens';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { insertJobAs, request, type ErrorBody } from './support/fixtures';

const SUBMIT = '/v1/databases/main/submit';
const JOBS = '/v1/databases/main/jobs';

interface JobDetail {
  id: number;
  kind: string;
  owner: string;
  command: string;
  params: unknown[] | null;
  max_run_time: string | null;
  status: string;
  finished: boolean;
  runs: Array<{ status: string; error: { message: string } | null }>;
}

describe('submitting one-time jobs', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it('answers 201 with the id and status, and the job shows its query and params', async () => {
    const { status, body } = await request<{ id: number; status: string }>('POST', SUBMIT, {
      token: ALICE_TOKEN,
      body: { query: 'SELECT $1::int + $2::int AS sum', params: [1, 2], max_duration: '1 minute', name: 'adder' },
    });
    expect(status).toBe(201);
    expect(body).toEqual({ id: expect.any(Number), status: expect.stringMatching(/^(pending|queued|running|succeeded)$/) });
    const job = await request<JobDetail>('GET', `${JOBS}/${body.id}`, { token: ALICE_TOKEN });
    expect(job.body).toMatchObject({ kind: 'one_time', owner: 'alice', command: 'SELECT $1::int + $2::int AS sum', params: [1, 2], max_run_time: '00:01:00' });
  });

  it('shows the status and runs of a one-time job as the engine records them', async () => {
    // Written as submit_job writes it, without waking the master: the test plays the engine.
    const id = await insertJobAs('alice', { schedule: null, command: 'SELECT 1/0', run_after: '2099-01-01T00:00:00Z' });
    expect((await request<JobDetail>('GET', `${JOBS}/${id}`, { token: ALICE_TOKEN })).body).toMatchObject({ status: 'pending', finished: false });
    await sql(`INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, start_after) VALUES ($1, 'alice', now(), 'running', now())`, [id]);
    expect((await request<JobDetail>('GET', `${JOBS}/${id}`, { token: ALICE_TOKEN })).body).toMatchObject({ status: 'running', finished: false });
    await sql(`UPDATE edgecron.run SET status = 'failed', finished_at = now(), error = '{"message": "division by zero", "sqlstate": "22012"}' WHERE job_id = $1`, [id]);
    await sql(`UPDATE edgecron.job SET state = 'done' WHERE id = $1`, [id]);
    const job = await request<JobDetail>('GET', `${JOBS}/${id}`, { token: ALICE_TOKEN });
    expect(job.body).toMatchObject({ status: 'failed', finished: true, runs: [{ status: 'failed', error: { message: 'division by zero' } }] });
  });

  it('answers 422 for depends_on together with run_after, and saves nothing', async () => {
    const { status, body } = await request<ErrorBody>('POST', SUBMIT, {
      token: ALICE_TOKEN,
      body: { query: 'SELECT 1', depends_on: [1], run_after: '2099-01-01T00:00:00Z' },
    });
    expect(status).toBe(422);
    expect(body.error.code).toBe('unprocessable');
    expect(body.error.message).toMatch(/^run_after: conflict in start time/);
    expect(await sql('SELECT id FROM edgecron.job')).toEqual([]);
  });

  it('answers 400 naming depends_on for a job that does not exist', async () => {
    const { status, body } = await request<ErrorBody>('POST', SUBMIT, { token: ALICE_TOKEN, body: { query: 'SELECT 1', depends_on: [424242] } });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^depends_on: /);
  });

  it('refuses a missing query, unknown keys and create-only keys by name', async () => {
    expect((await request<ErrorBody>('POST', SUBMIT, { token: ALICE_TOKEN, body: {} })).body.error.message).toBe('query: Invalid input: expected string, received undefined (missing)');
    expect((await request<ErrorBody>('POST', SUBMIT, { token: ALICE_TOKEN, body: { query: 'SELECT 1', cron: '* * * * *' } })).body.error.message).toBe('body: unknown key "cron"');
  });

  it('answers 403 for run_as a role the token\'s role is not a member of', async () => {
    const { status } = await request('POST', SUBMIT, { token: ALICE_TOKEN, body: { query: 'SELECT 1', run_as: 'bob' } });
    expect(status).toBe(403);
  });
});
