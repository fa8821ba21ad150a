// The typed client against the real Worker: its fetch is the Worker's own fetch handler.
import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEdgecronClient, EdgecronError, EdgecronTimeoutError } from '../../../src/client';
import worker from '../../../src/index';
import { ALICE_TOKEN } from '../../setup/tokens';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { insertJobAs, insertRun } from './support/fixtures';

async function workerFetch(request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const client = createEdgecronClient({ baseUrl: 'http://edgecron.test/', token: ALICE_TOKEN, fetch: workerFetch });

describe('the typed client', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it('creates, upserts, changes, lists and deletes jobs', async () => {
    const created = await client.createJob({ name: 'nightly', cron: '0 3 * * *', command: 'SELECT 1' });
    expect(created.next_fires).toHaveLength(5);
    const upserted = await client.upsertJobByName('nightly', { cron: '0 4 * * *', command: 'SELECT 1' });
    expect(upserted).toMatchObject({ id: created.id, schedule: '0 4 * * *' });
    const changed = await client.updateJob(created.id, { comments: 'from the client' });
    expect(changed.comments).toBe('from the client');
    expect((await client.listJobs({ name: 'nightly' })).jobs.map((j) => j.id)).toEqual([created.id]);
    await client.deleteJob(created.id);
    expect((await client.listJobs()).jobs).toEqual([]);
  });

  it('submits a job and waits for its outcome: the master runs it at once, as the token\'s role', async () => {
    const { id, status } = await client.submit({ query: 'SELECT $1::int * 2 AS doubled, current_user AS who', params: [21] });
    expect(status).toBe('pending');
    const job = await client.waitForJob(id, { timeoutMs: 20_000, intervalMs: 50 });
    expect(job).toMatchObject({ status: 'succeeded', finished: true, state: 'done' });
    expect(job.runs[0]?.result?.rows).toEqual([{ doubled: 42, who: 'alice' }]);
  });

  it('keeps polling until the job has finished', async () => {
    // The test plays the engine, recording the outcome a few polls later (run_after keeps the master away).
    const id = await insertJobAs('alice', { schedule: null, run_after: '2099-01-01T00:00:00Z' });
    const waiting = client.waitForJob(id, { timeoutMs: 10_000, intervalMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await insertRun(id, { scheduled_for: '2026-01-01T00:00:00Z', status: 'succeeded', result: { command: 'SELECT', row_count: 1, rows: [{ doubled: 42 }], truncated: false } });
    await sql(`UPDATE edgecron.job SET state = 'done' WHERE id = $1`, [id]);
    const done = await waiting;
    expect(done).toMatchObject({ status: 'succeeded', finished: true });
    expect(done.runs[0]?.result?.rows).toEqual([{ doubled: 42 }]);
  });

  it('reports the success of a job deleted when it succeeded (delete_after_success), whose row and runs are gone', async () => {
    const { id } = await client.submit({ query: 'SELECT 1', delete_after_success: true });
    const outcome = await client.waitForJob(id, { timeoutMs: 20_000, intervalMs: 50 });
    expect(outcome).toMatchObject({ id, status: 'succeeded', finished: true, deleted: true, runs: [] });
    expect(await sql('SELECT id FROM edgecron.job WHERE id = $1', [id])).toEqual([]);
  });

  it('reports the success of a delete_after_success job submitted elsewhere, once it has seen it waiting', async () => {
    const other = createEdgecronClient({ baseUrl: 'http://edgecron.test', token: ALICE_TOKEN, fetch: workerFetch });
    const { id } = await other.submit({ query: 'SELECT 1', delete_after_success: true, run_after: '2099-01-01T00:00:00Z' });
    let polled!: () => void;
    const firstPoll = new Promise<void>((resolve) => (polled = resolve));
    const watching = createEdgecronClient({
      baseUrl: 'http://edgecron.test',
      token: ALICE_TOKEN,
      fetch: async (request) => {
        const response = await workerFetch(request);
        if (response.status === 200) polled();
        return response;
      },
    });
    const waiting = watching.waitForJob(id, { timeoutMs: 20_000, intervalMs: 20 });
    await firstPoll;
    // A new start wakes the master, which runs the job and deletes it.
    await other.updateJob(id, { run_after: new Date(Date.now() - 1000).toISOString() });
    const outcome = await waiting;
    // Last seen waiting, or running if a poll fell between the start and the end.
    expect(outcome).toMatchObject({
      id,
      status: 'succeeded',
      finished: true,
      deleted: true,
      last_seen: { id, status: expect.stringMatching(/^(pending|queued|running)$/), delete_after_success: true },
    });
  });

  it('reports the failure of a delete_after_success job, which is kept with its runs', async () => {
    const { id } = await client.submit({ query: 'SELECT 1/0', delete_after_success: true });
    const outcome = await client.waitForJob(id, { timeoutMs: 20_000, intervalMs: 50 });
    expect(outcome).toMatchObject({ id, status: 'failed', finished: true });
    expect(outcome.deleted).toBeFalsy();
    expect(outcome.runs[0]?.error?.message).toBe('division by zero');
  });

  it('throws EdgecronError 404 when waiting for a job that does not exist', async () => {
    const error = await client.waitForJob(123456, { timeoutMs: 1000, intervalMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgecronError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('gives up waiting with EdgecronTimeoutError carrying the job', async () => {
    const id = await insertJobAs('alice', { schedule: null, run_after: '2099-01-01T00:00:00Z' });
    const error = await client.waitForJob(id, { timeoutMs: 50, intervalMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgecronTimeoutError);
    expect((error as EdgecronTimeoutError).job).toMatchObject({ id, status: 'pending' });
  });

  it('throws EdgecronError with the status, code and message of an error answer', async () => {
    const error = await client.createJob({ cron: '61 * * * *', command: 'SELECT 1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgecronError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_schedule', message: 'cron: minute: 61 is out of range 0-59 in "61 * * * *"' });
    const missing = await client.getJob(123456).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('pages through runs with the async iterator, newest first', async () => {
    const id = await insertJobAs('alice', { name: 'many' });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await insertRun(id, { scheduled_for: `2026-01-01T00:0${i}:00Z`, status: i === 2 ? 'failed' : 'succeeded' }));
    const seen: number[] = [];
    for await (const run of client.runs({ job: id, limit: 2 })) seen.push(run.id);
    expect(seen).toEqual([...ids].reverse());
    expect((await client.listRuns({ status: ['failed'], since: new Date('2026-01-01T00:00:00Z') })).runs.map((r) => r.id)).toEqual([ids[2]]);
  });

  it('runs, disables, enables and cancels a job', async () => {
    const job = await client.createJob({ cron: '0 3 1 1 *', command: 'SELECT 1' });
    expect((await client.runJob(job.id)).reason).toBe('run now');
    expect((await client.disableJob(job.id)).enabled).toBe(false);
    expect((await client.enableJob(job.id)).enabled).toBe(true);
    const canceled = await client.cancelJob(job.id);
    expect(canceled.runs.every((r) => r.status !== 'queued')).toBe(true);
  });
});
