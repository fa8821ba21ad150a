import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ALICE_TOKEN } from '../../setup/tokens';
import { sql } from '../support/database';
import { ensureTestRoles } from '../support/roles';
import { request, type ErrorBody } from './support/fixtures';

const DB = '/v1/databases/main';

interface StatusBody {
  database: string;
  master: Record<string, unknown> | null;
  settings: Record<string, unknown> | null;
  heartbeats: unknown[];
}

describe('scheduler status, pause and resume', () => {
  afterEach(() => sql('UPDATE edgecron.settings SET paused = false'));

  it('reports the master, the settings and the heartbeats to any token of the database', async () => {
    await ensureTestRoles();
    const { status, body } = await request<StatusBody>('GET', `${DB}/status`, { token: ALICE_TOKEN });
    expect(status).toBe(200);
    expect(body.database).toBe('main');
    // The master's report is passed through as it is; its fields grow with the engine.
    expect(body.master).toHaveProperty('running');
    expect(body.settings).toMatchObject({ timezone: 'UTC', paused: false, poll_interval: expect.any(String), parallelism: expect.any(Number) });
    expect(Array.isArray(body.heartbeats)).toBe(true);
  });

  it('pauses and resumes the scheduler with an admin token', async () => {
    const paused = await request<{ paused: boolean; settings: { paused: boolean } }>('POST', `${DB}/pause`, { token: ADMIN_TOKEN });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, settings: { paused: true } });
    expect(await sql('SELECT paused FROM edgecron.settings')).toEqual([{ paused: true }]);
    const resumed = await request<{ paused: boolean }>('POST', `${DB}/resume`, { token: ADMIN_TOKEN });
    expect(resumed.body.paused).toBe(false);
    expect(await sql('SELECT paused FROM edgecron.settings')).toEqual([{ paused: false }]);
  });

  it.each(['pause', 'resume'])('refuses %s to a token that is not admin', async (action) => {
    const { status, body } = await request<ErrorBody>('POST', `${DB}/${action}`, { token: ALICE_TOKEN });
    expect(status).toBe(403);
    expect(body.error.message).toBe(`only an admin token may ${action} the scheduler`);
    expect(await sql('SELECT paused FROM edgecron.settings')).toEqual([{ paused: false }]);
  });
});
