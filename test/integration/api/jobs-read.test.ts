import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../setup/tokens';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { insertJobAs, insertRun, request, type ErrorBody } from './support/fixtures';

interface JobBody {
  id: number;
  name: string | null;
  owner: string;
  kind: string;
  status: string;
  finished: boolean;
  dates: string[] | null;
  next_fires: string[];
  runs: Array<{ id: number; status: string }>;
  retry_backoff: string;
  created_at: string;
}
interface JobPage {
  jobs: JobBody[];
  next_cursor: string | null;
}

const JOBS = '/v1/databases/main/jobs';
let daily: number;
let disabled: number;
let oneTime: number;
let inDates: number;

describe('reading jobs', () => {
  beforeAll(async () => {
    await resetDatabase();
    await ensureTestRoles();
    daily = await insertJobAs('postgres', { name: 'daily', schedule: '0 3 * * *' });
    disabled = await insertJobAs('postgres', { name: 'disabled', schedule: '*/5 * * * *', enabled: false });
    oneTime = await insertJobAs('postgres', { name: 'once', schedule: null, command: 'SELECT 42' });
    const [row] = await sql<{ id: string }>(
      `INSERT INTO edgecron.job (name, dates, command, timezone)
       VALUES ('dated', ARRAY['2099-01-01T00:00:00Z', '2099-06-01T12:00:00Z']::timestamptz[], 'SELECT 1', 'Europe/Berlin') RETURNING id`,
    );
    inDates = Number(row!.id);
    await insertRun(daily, { scheduled_for: '2026-01-01T03:00:00Z', status: 'succeeded' });
    await insertRun(daily, { scheduled_for: '2026-01-02T03:00:00Z', status: 'running' });
    await insertRun(oneTime, { scheduled_for: '2026-01-01T00:00:00Z', status: 'failed' });
    await sql(`UPDATE edgecron.job SET state = 'done' WHERE id = $1`, [oneTime]);
  });

  it('shows a recurring job with its status, next five fires and latest runs', async () => {
    const { status, body } = await request<JobBody>('GET', `${JOBS}/${daily}`, { token: ADMIN_TOKEN });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: daily, name: 'daily', owner: 'postgres', kind: 'recurring', status: 'running', finished: false, retry_backoff: '00:00:10' });
    expect(body.next_fires).toHaveLength(5);
    for (const fire of body.next_fires) expect(fire).toMatch(/^\d{4}-\d\d-\d\dT03:00:00(\.000)?Z$/);
    expect(Date.parse(body.next_fires[0]!)).toBeGreaterThan(Date.now());
    expect(body.runs.map((r) => r.status)).toEqual(['running', 'succeeded']);
    expect(body.created_at).toMatch(/Z$/);
  });

  it('shows a finished one-time job with the status of its last run and no fires', async () => {
    const { body } = await request<JobBody>('GET', `${JOBS}/${oneTime}`, { token: ADMIN_TOKEN });
    expect(body).toMatchObject({ kind: 'one_time', status: 'failed', finished: true, next_fires: [] });
  });

  it('shows dates as ISO instants and fires them in order', async () => {
    const { body } = await request<JobBody>('GET', `${JOBS}/${inDates}`, { token: ADMIN_TOKEN });
    expect(body.dates).toEqual(['2099-01-01T00:00:00.000Z', '2099-06-01T12:00:00.000Z']);
    expect(body.next_fires.map((t) => Date.parse(t))).toEqual([Date.parse('2099-01-01T00:00:00Z'), Date.parse('2099-06-01T12:00:00Z')]);
  });

  it('lists jobs by id with their status, filtered by name, kind, state and enabled', async () => {
    const all = await request<JobPage>('GET', JOBS, { token: ADMIN_TOKEN });
    expect(all.body.jobs.map((j) => [j.name, j.status])).toEqual([
      ['daily', 'running'],
      ['disabled', 'disabled'],
      ['once', 'failed'],
      ['dated', 'scheduled'],
    ]);
    const names = async (query: string) => (await request<JobPage>('GET', `${JOBS}?${query}`, { token: ADMIN_TOKEN })).body.jobs.map((j) => j.name);
    expect(await names('name=daily')).toEqual(['daily']);
    expect(await names('kind=one_time')).toEqual(['once']);
    expect(await names('state=done')).toEqual(['once']);
    expect(await names('enabled=false')).toEqual(['disabled']);
    expect(await names('owner=alice')).toEqual([]);
  });

  it('pages through jobs with the cursor', async () => {
    const firstPage = await request<JobPage>('GET', `${JOBS}?limit=3`, { token: ADMIN_TOKEN });
    expect(firstPage.body.jobs.map((j) => j.id)).toEqual([daily, disabled, oneTime]);
    expect(firstPage.body.next_cursor).not.toBeNull();
    const secondPage = await request<JobPage>('GET', `${JOBS}?limit=3&cursor=${firstPage.body.next_cursor}`, { token: ADMIN_TOKEN });
    expect(secondPage.body).toMatchObject({ jobs: [{ id: inDates }], next_cursor: null });
  });

  it('answers 404 for a job that does not exist', async () => {
    const { status, body } = await request<ErrorBody>('GET', `${JOBS}/424242`, { token: ADMIN_TOKEN });
    expect(status).toBe(404);
    expect(body.error).toEqual({ code: 'not_found', message: 'job 424242 does not exist or is not visible to this token' });
  });

  it('answers a bad filter value with 400 naming it', async () => {
    const { status, body } = await request<ErrorBody>('GET', `${JOBS}?enabled=yes`, { token: ADMIN_TOKEN });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^enabled: .*\(got "yes"\)$/);
  });
});
