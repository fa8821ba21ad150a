import { beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ALICE_TOKEN } from '../../setup/tokens';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { request, type ErrorBody } from './support/fixtures';

interface JobBody {
  id: number;
  name: string | null;
  owner: string;
  schedule: string | null;
  rule: unknown;
  fallback: string | null;
  max_wait: string | null;
  start_at: string | null;
  comments: string | null;
  priority: number;
  max_attempts: number;
  enabled: boolean;
  status: string;
  next_fires: string[];
}

const JOBS = '/v1/databases/main/jobs';
const create = (body: unknown, token = ALICE_TOKEN) => request<JobBody & ErrorBody>('POST', JOBS, { token, body });

describe('creating, changing and deleting jobs', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it('creates a job owned by the token\'s role, with its next five fire times', async () => {
    const { status, body } = await create({ name: 'nightly', cron: '0 3 * * *', command: 'SELECT 1', timezone: 'Europe/Berlin' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'nightly', owner: 'alice', schedule: '0 3 * * *', status: 'scheduled', enabled: true });
    expect(body.next_fires).toHaveLength(5);
    for (const fire of body.next_fires) expect(fire).toMatch(/T0[12]:00:00Z$/);
    const [row] = await sql('SELECT owner, name, timezone FROM edgecron.job WHERE id = $1', [body.id]);
    expect(row).toEqual({ owner: 'alice', name: 'nightly', timezone: 'Europe/Berlin' });
  });

  it('maps pgpro_scheduler keys to their columns', async () => {
    const { status, body } = await create({
      rule: { minutes: [0], hours: [9], wdays: [1] },
      commands: ['SELECT 1', 'SELECT 2'],
      onrollback: 'SELECT 0',
      last_start_available: '5 minutes',
      start_date: '2026-01-01T00:00:00Z',
      retry: { max_attempts: 3 },
      priority: -2,
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ rule: { minutes: [0], hours: [9], wdays: [1] }, fallback: 'SELECT 0', max_wait: '00:05:00', start_at: '2026-01-01T00:00:00.000Z', max_attempts: 3, priority: -2 });
    expect(new Date(body.next_fires[0]!).getUTCDay()).toBe(1);
  });

  it('refuses a schedule the schedule module cannot read, naming the key, and saves nothing', async () => {
    const { status, body } = await create({ cron: '61 * * * *', command: 'SELECT 1' });
    expect(status).toBe(400);
    expect(body.error).toEqual({ code: 'invalid_schedule', message: 'cron: minute: 61 is out of range 0-59 in "61 * * * *"', details: { field: 'cron' } });
    expect(await sql('SELECT id FROM edgecron.job')).toEqual([]);
  });

  it('refuses a job without a command, or with two schedule keys, naming them', async () => {
    expect((await create({ cron: '* * * * *' })).body.error.message).toBe('body: give exactly one of "command", "commands"');
    expect((await create({ cron: '* * * * *', dates: ['2099-01-01T00:00:00Z'], command: 'x' })).body.error.message).toContain('dates: cannot be combined with "cron"');
  });

  it('answers 409 when the owner already has a job of that name', async () => {
    await create({ name: 'twice', cron: '* * * * *', command: 'SELECT 1' });
    const { status, body } = await create({ name: 'twice', cron: '* * * * *', command: 'SELECT 1' });
    expect(status).toBe(409);
    expect(body.error).toMatchObject({ code: 'conflict', message: 'name: role "alice" already has a job named "twice"' });
  });

  it('answers 403 for run_as a role the token\'s role is not a member of', async () => {
    const { status, body } = await create({ cron: '* * * * *', command: 'SELECT 1', run_as: 'bob' });
    expect(status).toBe(403);
    expect(body.error.code).toBe('forbidden');
    expect(body.error.message).toContain('run_as');
  });

  it('lets only an admin token create a job for another role', async () => {
    const refused = await create({ cron: '* * * * *', command: 'SELECT 1', owner: 'bob' });
    expect(refused.status).toBe(403);
    const made = await create({ cron: '* * * * *', command: 'SELECT 1', owner: 'bob' }, ADMIN_TOKEN);
    expect(made.status).toBe(201);
    expect(made.body.owner).toBe('bob');
  });

  it('changes the given keys, replaces the schedule and resets a key given as null', async () => {
    const { body: job } = await create({ name: 'changing', rule: { minutes: [0], hours: [9] }, command: 'SELECT 1', comments: 'old', priority: 5 });
    const { status, body } = await request<JobBody>('PATCH', `${JOBS}/${job.id}`, { token: ALICE_TOKEN, body: { cron: '30 4 * * *', comments: 'new', priority: null } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ schedule: '30 4 * * *', rule: null, comments: 'new', priority: 0 });
    expect(body.next_fires[0]).toMatch(/T04:30:00Z$/);
  });

  it('refuses a change that breaks the schedule, and keeps the job as it was', async () => {
    const { body: job } = await create({ cron: '0 3 * * *', command: 'SELECT 1' });
    const { status, body } = await request<ErrorBody>('PATCH', `${JOBS}/${job.id}`, { token: ALICE_TOKEN, body: { timezone: 'Mars/Base' } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_timezone');
    expect((await sql('SELECT timezone FROM edgecron.job WHERE id = $1', [job.id]))[0]).toEqual({ timezone: null });
  });

  it('answers 422 for run_after together with depends_on in a change', async () => {
    const { body: job } = await create({ cron: '0 3 * * *', command: 'SELECT 1' });
    const { status } = await request('PATCH', `${JOBS}/${job.id}`, { token: ALICE_TOKEN, body: { run_after: '2099-01-01T00:00:00Z', depends_on: [1] } });
    expect(status).toBe(422);
  });

  it('deletes a job, after which it is not found', async () => {
    const { body: job } = await create({ cron: '0 3 * * *', command: 'SELECT 1' });
    const deleted = await request('DELETE', `${JOBS}/${job.id}`, { token: ALICE_TOKEN });
    expect(deleted.status).toBe(204);
    expect((await request('GET', `${JOBS}/${job.id}`, { token: ALICE_TOKEN })).status).toBe(404);
    expect((await request('DELETE', `${JOBS}/${job.id}`, { token: ALICE_TOKEN })).status).toBe(404);
  });
});

describe('PUT /jobs/by-name/:name', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  const put = (name: string, body: unknown, token = ALICE_TOKEN) => request<JobBody & ErrorBody>('PUT', `${JOBS}/by-name/${name}`, { token, body });

  it('creates the job (201), then answers the same job unchanged for the same body (200)', async () => {
    const definition = { cron: '*/10 * * * *', command: 'SELECT 1', comments: 'kept in code', priority: 2 };
    const first = await put('reports', definition);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'reports', owner: 'alice', comments: 'kept in code', priority: 2 });
    const second = await put('reports', definition);
    expect(second.status).toBe(200);
    // The master, woken by the first PUT, may have set next_run_at meanwhile: that is not the definition.
    type Answer = JobBody & { updated_at: string; next_run_at: string | null };
    const { next_fires: _a, updated_at: _b, next_run_at: _c, ...before } = first.body as unknown as Answer;
    const { next_fires: _d, updated_at: _e, next_run_at: _f, ...after } = second.body as unknown as Answer;
    expect(after).toEqual(before);
    expect(await sql('SELECT count(*)::int AS n FROM edgecron.job')).toEqual([{ n: 1 }]);
  });

  it('replaces the whole definition: keys left out return to their defaults', async () => {
    const first = await put('reports', { cron: '*/10 * * * *', command: 'SELECT 1', comments: 'c', priority: 2, enabled: false, retry: { max_attempts: 4 } });
    const replaced = await put('reports', { rule: { minutes: [15] }, command: 'SELECT 2' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: first.body.id, schedule: null, rule: { minutes: [15] }, comments: null, priority: 0, enabled: true, max_attempts: 1 });
  });

  it('refuses a body whose name differs from the path', async () => {
    const { status, body } = await put('reports', { name: 'other', cron: '* * * * *', command: 'SELECT 1' });
    expect(status).toBe(400);
    expect(body.error.message).toBe('name: "other" differs from the name in the path ("reports"); leave it out');
  });

  it('keeps one job per owner and name: two roles can both have "reports"', async () => {
    const alice = await put('reports', { cron: '* * * * *', command: 'SELECT 1' });
    const admin = await put('reports', { cron: '* * * * *', command: 'SELECT 1' }, ADMIN_TOKEN);
    expect(admin.status).toBe(201);
    expect(admin.body.id).not.toBe(alice.body.id);
    expect(admin.body.owner).toBe('postgres');
  });
});
