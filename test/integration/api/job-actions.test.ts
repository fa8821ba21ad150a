import { beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ALICE_TOKEN } from '../../setup/tokens';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { insertJobAs, request, type ErrorBody } from './support/fixtures';

const JOBS = '/v1/databases/main/jobs';

async function aliceJob(body: object): Promise<number> {
  const { status, body: job } = await request<{ id: number }>('POST', JOBS, { token: ALICE_TOKEN, body });
  expect(status).toBe(201);
  return job.id;
}

describe('job actions', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it('runs a job now: a queued run with reason "run now", beside its schedule', async () => {
    const id = await aliceJob({ cron: '0 3 1 1 *', command: 'SELECT 1' });
    const { status, body } = await request<{ id: number; job_id: number; reason: string; owner: string }>('POST', `${JOBS}/${id}/run`, { token: ALICE_TOKEN });
    expect(status).toBe(201);
    expect(body).toMatchObject({ job_id: id, reason: 'run now', owner: 'alice' });
    const [run] = await sql('SELECT job_id, reason FROM edgecron.run WHERE id = $1', [body.id]);
    expect(run).toEqual({ job_id: String(id), reason: 'run now' });
  });

  it('disables and enables a job', async () => {
    const id = await aliceJob({ cron: '0 3 * * *', command: 'SELECT 1' });
    const disabled = await request<{ enabled: boolean; status: string }>('POST', `${JOBS}/${id}/disable`, { token: ALICE_TOKEN });
    expect(disabled.body).toMatchObject({ enabled: false, status: 'disabled' });
    const enabled = await request<{ enabled: boolean; status: string }>('POST', `${JOBS}/${id}/enable`, { token: ALICE_TOKEN });
    expect(enabled.body).toMatchObject({ enabled: true, status: 'scheduled' });
  });

  it('re-activates a broken job on enable', async () => {
    const id = await aliceJob({ cron: '0 3 * * *', command: 'SELECT 1' });
    await sql(`UPDATE edgecron.job SET state = 'broken', broken_reason = 'test' WHERE id = $1`, [id]);
    const { body } = await request<{ state: string; broken_reason: string | null }>('POST', `${JOBS}/${id}/enable`, { token: ALICE_TOKEN });
    expect(body).toMatchObject({ state: 'active', broken_reason: null });
  });

  it('cancels a one-time job that has not started: it is finished, canceled', async () => {
    const submitted = { id: await insertJobAs('alice', { schedule: null, run_after: '2099-01-01T00:00:00Z' }) };
    const { status, body } = await request<{ state: string; status: string; finished: boolean; runs: Array<{ status: string }> }>(
      'POST',
      `${JOBS}/${submitted.id}/cancel`,
      { token: ALICE_TOKEN },
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: 'done', status: 'canceled', finished: true });
    expect(body.runs.map((r) => r.status)).toEqual(['canceled']);
  });

  it('cancels the queued runs of a recurring job', async () => {
    const id = await aliceJob({ cron: '0 3 1 1 *', command: 'SELECT 1' });
    await sql(`INSERT INTO edgecron.run (job_id, owner, scheduled_for, status, start_after) VALUES ($1, 'alice', '2099-01-01', 'queued', '2099-01-01')`, [id]);
    const { body } = await request<{ runs: Array<{ status: string }> }>('POST', `${JOBS}/${id}/cancel`, { token: ALICE_TOKEN });
    expect(body.runs.map((r) => r.status)).toEqual(['canceled']);
  });

  it.each(['run', 'enable', 'disable', 'cancel'])('answers 404 to %s on a job that does not exist', async (action) => {
    const { status, body } = await request<ErrorBody>('POST', `${JOBS}/777777/${action}`, { token: ADMIN_TOKEN });
    expect(status).toBe(404);
    expect(body.error.message).toBe('job 777777 does not exist or is not visible to this token');
  });
});
