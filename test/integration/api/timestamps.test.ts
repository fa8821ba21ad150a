// Instants in requests and in stored rows. PostgreSQL reads `infinity`, BC dates and years past
// 9999 as timestamptz, but JavaScript cannot show them: the API refuses them by name on the way
// in, and a row that holds one anyway (written by SQL before the triggers refused them) is
// still readable, the instant shown as null and named in `unreadable_instants`.
import { beforeEach, describe, expect, it } from 'vitest';
import { ALICE_TOKEN } from '../../setup/tokens';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { insertJobAs, insertRun, request, type ErrorBody } from './support/fixtures';

const DB = '/v1/databases/main';

const BAD_INSTANTS = ['infinity', '-infinity', 'Infinity', '2026-01-01 00:00:00 BC', '0000-01-01T00:00:00Z', '0044-03-15T00:00:00Z',
  '10000-01-01T00:00:00Z', '275760-09-13T00:00:00Z', 'epoch', 'now', 'J2451187', '2026-02-30T00:00:00Z', '2026-01-01T25:00:00Z', '2026-01-01\u0000'];

/**
 * Writes `columns` of an existing row as a superuser with triggers off (session_replication_role
 * = replica), as rows written before the triggers refused such values may be.
 */
async function writeRaw(table: 'job' | 'run', id: number, columns: Record<string, string>): Promise<void> {
  const sets = Object.entries(columns).map(([column, value]) => `${column} = ${value}`).join(', ');
  await sql(`DO $$ BEGIN SET LOCAL session_replication_role = replica; UPDATE edgecron.${table} SET ${sets} WHERE id = ${id}; END $$`);
}

describe('instants in requests', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it.each(BAD_INSTANTS)('refuses run_after %j with a 400 naming the field and the value, and saves nothing', async (value) => {
    const { status, body } = await request<ErrorBody>('POST', `${DB}/submit`, { token: ALICE_TOKEN, body: { query: 'SELECT 1', run_after: value } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toMatch(/^run_after: must be an ISO 8601 instant between 1000-01-01 and 9999-12-31/);
    expect(body.error.message).toContain(`(got ${JSON.stringify(value)})`);
    expect(await sql('SELECT id FROM edgecron.job')).toEqual([]);
  });

  it.each([
    ['start_date', { start_date: 'infinity' }],
    ['end_date', { end_date: '-infinity' }],
    ['date', { date: '2026-06-01 12:00:00 BC' }],
    ['dates.1', { dates: ['2030-01-01T00:00:00Z', 'infinity'] }],
  ])('refuses %s on create with a 400 naming it', async (field, keys) => {
    const schedule = 'date' in keys || 'dates' in keys ? {} : { cron: '0 3 * * *' };
    const { status, body } = await request<ErrorBody>('POST', `${DB}/jobs`, { token: ALICE_TOKEN, body: { command: 'SELECT 1', ...schedule, ...keys } });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: must be an ISO 8601 instant`));
  });

  it('refuses run_after infinity on a change', async () => {
    const id = await insertJobAs('alice', { schedule: null, run_after: '2099-01-01T00:00:00Z' });
    const { status, body } = await request<ErrorBody>('PATCH', `${DB}/jobs/${id}`, { token: ALICE_TOKEN, body: { run_after: 'infinity' } });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^run_after: must be an ISO 8601 instant/);
    expect(await sql('SELECT run_after FROM edgecron.job WHERE id = $1', [id])).toEqual([{ run_after: new Date('2099-01-01T00:00:00Z') }]);
  });

  it('accepts the ISO 8601 forms JSON and PostgreSQL write, with or without an offset or time', async () => {
    for (const run_after of ['2099-01-01T09:00:00Z', '2099-01-01 09:00:00+02', '2099-01-01T09:00:00.123456+05:30', '2099-01-01', '1000-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      const { status, body } = await request<{ id: number }>('POST', `${DB}/submit`, { token: ALICE_TOKEN, body: { query: 'SELECT 1', run_after } });
      expect(status, run_after).toBe(201);
      const job = await request<{ run_after: string }>('GET', `${DB}/jobs/${body.id}`, { token: ALICE_TOKEN });
      expect(job.body.run_after, run_after).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it.each([['since', '0000-01-01T00:00:00Z'], ['until', 'infinity'], ['since', '2026-01-01T00:00:00Z BC'], ['until', '99999-01-01T00:00:00Z']])(
    'refuses ?%s=%s naming the parameter',
    async (key, value) => {
      const { status, body } = await request<ErrorBody>('GET', `${DB}/runs?${key}=${encodeURIComponent(value)}`, { token: ALICE_TOKEN });
      expect(status).toBe(400);
      expect(body.error.message).toMatch(new RegExp(`^${key}: must be an ISO 8601 instant between 1000-01-01 and 9999-12-31`));
    },
  );
});

describe('rows holding instants JavaScript cannot show', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it('reads, lists, changes and cancels a one-time job whose run_after is infinity', async () => {
    const id = await insertJobAs('alice', { schedule: null, run_after: '2099-01-01T00:00:00Z' });
    await writeRaw('job', id, { run_after: "'infinity'", next_run_at: "'infinity'" });

    const read = await request<{ run_after: string | null; next_run_at: string | null; unreadable_instants?: string[] }>('GET', `${DB}/jobs/${id}`, { token: ALICE_TOKEN });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ run_after: null, next_run_at: null, unreadable_instants: ['run_after', 'next_run_at'] });

    const list = await request<{ jobs: Array<{ id: number; unreadable_instants?: string[] }> }>('GET', `${DB}/jobs`, { token: ALICE_TOKEN });
    expect(list.status).toBe(200);
    expect(list.body.jobs.find((j) => j.id === id)?.unreadable_instants).toEqual(['run_after', 'next_run_at']);

    const changed = await request<{ comments: string }>('PATCH', `${DB}/jobs/${id}`, { token: ALICE_TOKEN, body: { comments: 'still readable' } });
    expect(changed.status).toBeLessThan(500);
    const fixed = await request<{ run_after: string; unreadable_instants?: string[] }>('PATCH', `${DB}/jobs/${id}`, {
      token: ALICE_TOKEN,
      body: { run_after: '2099-06-01T00:00:00Z' },
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body.run_after).toBe('2099-06-01T00:00:00.000Z');
    // next_run_at is the master's to recompute; run_after is readable again at once.
    expect(fixed.body.unreadable_instants ?? []).not.toContain('run_after');
  });

  it('reads a recurring job whose window and dates hold -infinity, infinity and a BC date', async () => {
    const id = await insertJobAs('alice', { schedule: null, enabled: false, run_after: '2099-01-01T00:00:00Z' });
    await writeRaw('job', id, {
      dates: `ARRAY['2030-01-01T00:00:00Z', 'infinity', '0044-03-15 00:00:00+00 BC']::timestamptz[]`,
      start_at: "'-infinity'",
      end_at: "'infinity'",
      run_after: 'NULL',
    });
    const read = await request<{ dates: Array<string | null>; start_at: null; end_at: null; next_fires: string[]; unreadable_instants?: string[] }>(
      'GET',
      `${DB}/jobs/${id}`,
      { token: ALICE_TOKEN },
    );
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ dates: ['2030-01-01T00:00:00.000Z', null, null], start_at: null, end_at: null, next_fires: [] });
    expect(read.body.unreadable_instants).toEqual(['dates.1', 'dates.2', 'start_at', 'end_at']);
    const changed = await request<ErrorBody>('PATCH', `${DB}/jobs/${id}`, { token: ALICE_TOKEN, body: { timezone: 'Europe/Berlin' } });
    expect(changed.status).toBe(400);
    expect(changed.body.error.message).toMatch(/^dates: the job's stored value cannot be read as an instant/);
  });

  it('reads runs whose instants are infinity', async () => {
    const id = await insertJobAs('alice', { name: 'odd-runs' });
    const runId = await insertRun(id, { scheduled_for: '2026-01-01T00:00:00Z' });
    await writeRaw('run', runId, { scheduled_for: "'infinity'", finished_at: "'-infinity'" });
    const one = await request<{ scheduled_for: string | null; finished_at: string | null; unreadable_instants?: string[] }>('GET', `${DB}/runs/${runId}`, { token: ALICE_TOKEN });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ scheduled_for: null, finished_at: null, unreadable_instants: ['scheduled_for', 'finished_at'] });
    expect((await request('GET', `${DB}/runs`, { token: ALICE_TOKEN })).status).toBe(200);
    expect((await request('GET', `${DB}/jobs/${id}`, { token: ALICE_TOKEN })).status).toBe(200);
  });
});
