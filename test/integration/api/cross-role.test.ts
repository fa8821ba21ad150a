// Role A's token cannot read, change, run or cancel role B's jobs or runs: every route answers
// as if they did not exist, and nothing of B's changes.
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ALICE_TOKEN, BOB_TOKEN } from '../../setup/tokens';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { insertRun, request, type ErrorBody } from './support/fixtures';

const DB = '/v1/databases/main';
let bobJob: number;
let bobRun: number;
let bobBefore: Record<string, unknown>;

const snapshot = async () =>
  (await sql('SELECT name, schedule, command, enabled, state, comments, owner FROM edgecron.job WHERE id = $1', [bobJob]))[0];

describe('isolation between roles', () => {
  beforeAll(async () => {
    await resetDatabase();
    await ensureTestRoles();
    const made = await request<{ id: number }>('POST', `${DB}/jobs`, {
      token: BOB_TOKEN,
      body: { name: 'bobs-job', cron: '0 3 1 1 *', command: 'SELECT 1', comments: "bob's" },
    });
    expect(made.status).toBe(201);
    bobJob = made.body.id;
    bobRun = await insertRun(bobJob, { scheduled_for: '2026-01-01T03:00:00Z', status: 'succeeded' });
    await request('POST', `${DB}/jobs`, { token: ALICE_TOKEN, body: { name: 'alices-job', cron: '0 4 * * *', command: 'SELECT 2' } });
    bobBefore = (await snapshot())!;
  });

  it.each([
    ['GET', () => `/jobs/${bobJob}`, undefined],
    ['PATCH', () => `/jobs/${bobJob}`, { comments: 'alice was here' }],
    ['DELETE', () => `/jobs/${bobJob}`, undefined],
    ['POST', () => `/jobs/${bobJob}/run`, undefined],
    ['POST', () => `/jobs/${bobJob}/enable`, undefined],
    ['POST', () => `/jobs/${bobJob}/disable`, undefined],
    ['POST', () => `/jobs/${bobJob}/cancel`, undefined],
    ['GET', () => `/runs/${bobRun}`, undefined],
  ] as const)("answers alice's %s %s with the same 404 as for a job that does not exist", async (method, path, body) => {
    const theirs = await request<ErrorBody>(method, `${DB}${path()}`, { token: ALICE_TOKEN, body });
    expect(theirs.status).toBe(404);
    const missing = await request<ErrorBody>(method, `${DB}${path().replace(/\/(jobs|runs)\/\d+/, '/$1/999999')}`, { token: ALICE_TOKEN, body });
    expect(theirs.body.error.message).toBe(missing.body.error.message.replace('999999', String(path().match(/\d+/)![0])));
    expect(await snapshot()).toEqual(bobBefore);
  });

  it("lists neither bob's jobs nor his runs to alice, whatever she filters by", async () => {
    const jobs = await request<{ jobs: Array<{ owner: string }> }>('GET', `${DB}/jobs`, { token: ALICE_TOKEN });
    expect(jobs.body.jobs.map((j) => j.owner)).toEqual(['alice']);
    expect((await request<{ jobs: unknown[] }>('GET', `${DB}/jobs?owner=bob`, { token: ALICE_TOKEN })).body.jobs).toEqual([]);
    expect((await request<{ jobs: unknown[] }>('GET', `${DB}/jobs?name=bobs-job`, { token: ALICE_TOKEN })).body.jobs).toEqual([]);
    expect((await request<{ runs: unknown[] }>('GET', `${DB}/runs`, { token: ALICE_TOKEN })).body.runs).toEqual([]);
    expect((await request<{ runs: unknown[] }>('GET', `${DB}/runs?job=${bobJob}`, { token: ALICE_TOKEN })).body.runs).toEqual([]);
  });

  it("does not let alice take bob's job by name: her PUT makes her own job", async () => {
    const { status, body } = await request<{ id: number; owner: string }>('PUT', `${DB}/jobs/by-name/bobs-job`, {
      token: ALICE_TOKEN,
      body: { cron: '* * * * *', command: 'SELECT 3' },
    });
    expect(status).toBe(201);
    expect(body.owner).toBe('alice');
    expect(body.id).not.toBe(bobJob);
    expect(await snapshot()).toEqual(bobBefore);
  });

  it("does not let alice depend on bob's job or move her job to bob", async () => {
    const submit = await request<ErrorBody>('POST', `${DB}/submit`, { token: ALICE_TOKEN, body: { query: 'SELECT 1', depends_on: [bobJob] } });
    expect(submit.status).toBe(400);
    expect(submit.body.error.message).toBe(`depends_on: no job ${bobJob} visible to you`);
    const mine = await request<{ jobs: Array<{ id: number; name: string }> }>('GET', `${DB}/jobs?name=alices-job`, { token: ALICE_TOKEN });
    const moved = await request<ErrorBody>('PATCH', `${DB}/jobs/${mine.body.jobs[0]!.id}`, { token: ALICE_TOKEN, body: { owner: 'bob' } });
    expect(moved.status).toBe(403);
  });

  it('keeps the roles apart in the API itself, even with row security switched off', async () => {
    await sql('ALTER TABLE edgecron.job DISABLE ROW LEVEL SECURITY; ALTER TABLE edgecron.run DISABLE ROW LEVEL SECURITY');
    try {
      expect((await request('GET', `${DB}/jobs/${bobJob}`, { token: ALICE_TOKEN })).status).toBe(404);
      expect((await request('PATCH', `${DB}/jobs/${bobJob}`, { token: ALICE_TOKEN, body: { comments: 'x' } })).status).toBe(404);
      expect((await request('POST', `${DB}/jobs/${bobJob}/cancel`, { token: ALICE_TOKEN })).status).toBe(404);
      expect((await request('GET', `${DB}/runs/${bobRun}`, { token: ALICE_TOKEN })).status).toBe(404);
      const jobs = await request<{ jobs: Array<{ owner: string }> }>('GET', `${DB}/jobs`, { token: ALICE_TOKEN });
      expect(jobs.body.jobs.every((j) => j.owner === 'alice')).toBe(true);
      expect((await request<{ runs: unknown[] }>('GET', `${DB}/runs?job=${bobJob}`, { token: ALICE_TOKEN })).body.runs).toEqual([]);
    } finally {
      await sql('ALTER TABLE edgecron.job ENABLE ROW LEVEL SECURITY; ALTER TABLE edgecron.run ENABLE ROW LEVEL SECURITY');
    }
    expect(await snapshot()).toEqual(bobBefore);
  });

  it('shows an admin token every role\'s jobs, and one role\'s with ?owner=', async () => {
    const all = await request<{ jobs: Array<{ owner: string }> }>('GET', `${DB}/jobs`, { token: ADMIN_TOKEN });
    expect(new Set(all.body.jobs.map((j) => j.owner))).toEqual(new Set(['alice', 'bob']));
    const bobs = await request<{ jobs: Array<{ owner: string }> }>('GET', `${DB}/jobs?owner=bob`, { token: ADMIN_TOKEN });
    expect(bobs.body.jobs.map((j) => j.owner)).toEqual(['bob']);
    expect((await request('GET', `${DB}/runs/${bobRun}`, { token: ADMIN_TOKEN })).status).toBe(200);
  });
});
