import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../setup/tokens';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase } from '../support/database';
import { insertJobAs, insertRun, request, type ErrorBody } from './support/fixtures';

interface RunBody {
  id: number;
  job_id: number;
  status: string;
  scheduled_for: string;
  error: { message: string; sqlstate?: string } | null;
}
interface RunPage {
  runs: RunBody[];
  next_cursor: string | null;
}

const RUNS = '/v1/databases/main/runs';
let first: number;
let second: number;
const runIds: number[] = [];

describe('the run log', () => {
  beforeAll(async () => {
    await resetDatabase();
    await ensureTestRoles();
    first = await insertJobAs('postgres', { name: 'first' });
    second = await insertJobAs('postgres', { name: 'second' });
    // Five runs of `first` a minute apart, alternating outcomes, and one of `second`.
    for (let i = 0; i < 5; i++) {
      runIds.push(
        await insertRun(first, {
          scheduled_for: `2026-01-01T00:0${i}:00Z`,
          status: i % 2 === 0 ? 'succeeded' : 'failed',
          ...(i % 2 === 1 ? { error: { message: 'division by zero', sqlstate: '22012' } } : {}),
        }),
      );
    }
    runIds.push(await insertRun(second, { scheduled_for: '2026-01-01T00:10:00Z', status: 'timed_out' }));
  });

  it('lists runs newest first', async () => {
    const { status, body } = await request<RunPage>('GET', RUNS, { token: ADMIN_TOKEN });
    expect(status).toBe(200);
    expect(body.runs.map((r) => r.id)).toEqual([...runIds].reverse());
    expect(body.next_cursor).toBeNull();
    expect(body.runs[2]).toMatchObject({ job_id: first, status: 'failed', scheduled_for: '2026-01-01T00:03:00.000Z', error: { sqlstate: '22012' } });
  });

  it('filters by job, by status and by time range together', async () => {
    const byJob = await request<RunPage>('GET', `${RUNS}?job=${second}`, { token: ADMIN_TOKEN });
    expect(byJob.body.runs.map((r) => r.status)).toEqual(['timed_out']);
    const failed = await request<RunPage>('GET', `${RUNS}?status=failed,timed_out`, { token: ADMIN_TOKEN });
    expect(failed.body.runs.map((r) => r.status)).toEqual(['timed_out', 'failed', 'failed']);
    const range = await request<RunPage>('GET', `${RUNS}?job=${first}&since=2026-01-01T00:01:00Z&until=2026-01-01T00:03:00Z`, { token: ADMIN_TOKEN });
    expect(range.body.runs.map((r) => r.scheduled_for)).toEqual(['2026-01-01T00:02:00.000Z', '2026-01-01T00:01:00.000Z']);
  });

  it('pages through every run exactly once with the cursor', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=4' : `?limit=4&cursor=${cursor}`;
      const { status, body }: { status: number; body: RunPage } = await request<RunPage>('GET', `${RUNS}${query}`, { token: ADMIN_TOKEN });
      expect(status).toBe(200);
      seen.push(...body.runs.map((r) => r.id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toEqual([...runIds].reverse());
  });

  it('reads one run, and answers 404 for one that does not exist', async () => {
    const { status, body } = await request<RunBody>('GET', `${RUNS}/${runIds[1]}`, { token: ADMIN_TOKEN });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: runIds[1], job_id: first, status: 'failed' });
    const missing = await request<ErrorBody>('GET', `${RUNS}/999999`, { token: ADMIN_TOKEN });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('run 999999 does not exist or is not visible to this token');
  });

  it.each([
    ['status=exploded', 'status.0: Invalid option'],
    ['since=yesterday', 'since: must be an ISO 8601 instant'],
    ['limit=0', 'limit: Too small'],
    ['limit=1001', 'limit: Too big'],
    ['cursor=bm90LWFuLWlk', 'cursor: "bm90LWFuLWlk" is not a cursor this API returned'],
    ['job=-4', 'job: must be a positive integer'],
  ])('answers ?%s with a 400 naming the parameter', async (query, message) => {
    const { status, body } = await request<ErrorBody>('GET', `${RUNS}?${query}`, { token: ADMIN_TOKEN });
    expect(status).toBe(400);
    expect(body.error.message).toContain(message);
  });
});
