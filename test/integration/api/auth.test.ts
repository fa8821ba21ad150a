import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ALICE_TOKEN, BOB_TOKEN } from '../../setup/tokens';
import { callApi } from '../support/api';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { callWithBindings, request, type ErrorBody } from './support/fixtures';

const DATA_ROUTES: Array<[string, string]> = [
  ['GET', '/v1/databases/main/jobs'],
  ['POST', '/v1/databases/main/jobs'],
  ['GET', '/v1/databases/main/jobs/1'],
  ['PATCH', '/v1/databases/main/jobs/1'],
  ['DELETE', '/v1/databases/main/jobs/1'],
  ['PUT', '/v1/databases/main/jobs/by-name/x'],
  ['POST', '/v1/databases/main/jobs/1/run'],
  ['POST', '/v1/databases/main/jobs/1/cancel'],
  ['POST', '/v1/databases/main/submit'],
  ['GET', '/v1/databases/main/runs'],
  ['GET', '/v1/databases/main/runs/1'],
  ['GET', '/v1/databases/main/status'],
  ['POST', '/v1/databases/main/pause'],
];

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('bearer tokens', () => {
  beforeAll(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it.each(DATA_ROUTES)('%s %s answers 401 with the error shape without a token', async (method, path) => {
    const response = await callApi(path, { method });
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual({
      error: { code: 'unauthorized', message: 'a valid "Authorization: Bearer <token>" header is required' },
    });
  });

  it.each([
    ['a wrong token', { Authorization: 'Bearer not-a-token' }],
    ['a Basic header', { Authorization: `Basic ${btoa(`${ADMIN_TOKEN}:x`)}` }],
    ['"Bearer" alone', { Authorization: 'Bearer' }],
    ['the token without the scheme', { Authorization: ADMIN_TOKEN }],
    ['a prefix of a valid token', { Authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
    ['a valid token with a suffix', { Authorization: `Bearer ${ADMIN_TOKEN}x` }],
  ])('refuses %s with 401', async (_, headers) => {
    const { status, body } = await request<ErrorBody>('GET', '/v1/databases/main/runs', { headers });
    expect(status).toBe(401);
    expect(body.error.code).toBe('unauthorized');
  });

  it('answers 404 for a database that is not configured, without saying more', async () => {
    const { status, body } = await request<ErrorBody>('GET', '/v1/databases/other/runs', { token: ADMIN_TOKEN });
    expect(status).toBe(404);
    expect(body.error.message).toBe('database "other" is not configured for this token');
  });

  it('refuses every data route with 503 no_tokens when no token is configured, and still answers /healthz', async () => {
    for (const [method, path] of DATA_ROUTES) {
      const response = await callWithBindings({ EDGECRON_TOKENS: undefined }, path, { method, token: ADMIN_TOKEN });
      expect(response.status, `${method} ${path}`).toBe(503);
      expect(((await response.json()) as ErrorBody).error.code).toBe('no_tokens');
    }
    const health = await callWithBindings({ EDGECRON_TOKENS: undefined }, '/healthz');
    expect(health.status).toBe(200);
  });

  it('accepts a token stored as its sha256 digest, and not the digest itself as a token', async () => {
    const token = 'digest-stored-token-42';
    const entry = `sha256:${await sha256Hex(token)}`;
    const bindings = { EDGECRON_TOKENS: JSON.stringify({ [entry]: { role: 'postgres', admin: true } }) };
    const ok = await callWithBindings(bindings, '/v1/databases/main/runs', { token });
    expect(ok.status).toBe(200);
    const digestAsToken = await callWithBindings(bindings, '/v1/databases/main/runs', { token: entry });
    expect(digestAsToken.status).toBe(401);
  });

  it('adds the tokens of EDGECRON_DEV_TOKENS to those of EDGECRON_TOKENS', async () => {
    const bindings = { EDGECRON_DEV_TOKENS: JSON.stringify({ 'dev-token-for-bob': { role: 'bob' } }) };
    expect((await callWithBindings(bindings, '/v1/databases/main/jobs', { token: 'dev-token-for-bob' })).status).toBe(200);
    expect((await callWithBindings(bindings, '/v1/databases/main/jobs', { token: ADMIN_TOKEN })).status).toBe(200);
  });

  it('answers 403 for a token whose role is not a scheduling role (not in edgecron_user)', async () => {
    const bindings = { EDGECRON_TOKENS: JSON.stringify({ 'carol-token': { role: 'carol' } }) };
    const response = await callWithBindings(bindings, '/v1/databases/main/jobs', { token: 'carol-token' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorBody).error.code).toBe('forbidden');
  });

  it('lets an admin token whose role is in edgecron_admin (not a superuser) see every role and pause', async () => {
    const bindings = { EDGECRON_TOKENS: JSON.stringify({ 'dana-token': { role: 'dana', admin: true } }) };
    await request('POST', '/v1/databases/main/jobs', { token: ALICE_TOKEN, body: { name: 'for-dana', cron: '0 3 * * *', command: 'SELECT 1' } });
    const jobs = await callWithBindings(bindings, '/v1/databases/main/jobs?owner=alice', { token: 'dana-token' });
    expect(((await jobs.json()) as { jobs: Array<{ name: string }> }).jobs.map((j) => j.name)).toContain('for-dana');
    const paused = await callWithBindings(bindings, '/v1/databases/main/pause', { token: 'dana-token', method: 'POST' });
    expect(paused.status).toBe(200);
    const resumed = await callWithBindings(bindings, '/v1/databases/main/resume', { token: 'dana-token', method: 'POST' });
    expect(resumed.status).toBe(200);
  });

  it('limits a token to the databases it lists', async () => {
    const bindings = {
      EDGECRON_DATABASE_URLS: JSON.stringify({ reports: 'postgres://unused@127.0.0.1:9/reports' }),
      EDGECRON_TOKENS: JSON.stringify({ 'other-db-token': { role: 'postgres', admin: true, databases: ['reports'] } }),
    };
    const response = await callWithBindings(bindings, '/v1/databases/main/jobs', { token: 'other-db-token' });
    expect(response.status).toBe(404);
  });

  it('answers 403 naming the role when the token\'s role does not exist in the database', async () => {
    const bindings = { EDGECRON_TOKENS: JSON.stringify({ 'ghost-token': { role: 'ghost_role_x' } }) };
    const response = await callWithBindings(bindings, '/v1/databases/main/jobs', { token: 'ghost-token' });
    expect(response.status).toBe(403);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('forbidden');
    expect(body.error.message).toContain('"ghost_role_x"');
  });

  it.each([
    ['not JSON', '{"secret-token-value": ', 'EDGECRON_TOKENS: not valid JSON'],
    ['an extra key in a grant', JSON.stringify({ 'secret-token-value': { role: 'alice', colour: 'red' } }), 'EDGECRON_TOKENS: entry 1 (role "alice"): Unrecognized key: "colour"'],
    ['an empty role', JSON.stringify({ 'secret-token-value': { role: '' } }), 'EDGECRON_TOKENS: entry 1: role: Too small: expected string to have >=1 characters'],
    ['a role that is not a string', JSON.stringify({ 'secret-token-value': { role: 7 } }), 'EDGECRON_TOKENS: entry 1: role: Invalid input: expected string, received number'],
    ['a sha256: entry that is not 64 hex digits', JSON.stringify({ 'sha256:zz': { role: 'alice' } }), 'EDGECRON_TOKENS: entry 1 (role "alice"): starts with "sha256:" but is not followed by 64 hex digits (the SHA-256 digest of the token)'],
    ['a database that is not configured', JSON.stringify({ 'secret-token-value': { role: 'alice', databases: ['main', 'reports'] } }), 'EDGECRON_TOKENS: entry 1 (role "alice"): databases: "reports" is not a configured database (configured: main, exec)'],
  ])('answers a token table with %s with 503 misconfigured, naming the problem but never a token', async (_, tokens, message) => {
    for (const [method, path] of DATA_ROUTES) {
      const response = await callWithBindings({ EDGECRON_TOKENS: tokens }, path, { method, token: 'secret-token-value' });
      expect(response.status, `${method} ${path}`).toBe(503);
      const text = await response.text();
      expect(text).not.toContain('secret-token-value');
      expect(JSON.parse(text)).toEqual({ error: { code: 'misconfigured', message: expect.stringContaining(message) } });
    }
  });

  it('keeps the scheduler going with a malformed token table: the watchdog still re-arms the masters', async () => {
    const { env } = await import('cloudflare:workers');
    const { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } = await import('cloudflare:test');
    const { default: worker } = await import('../../../src/index');
    // A master whose alarm was lost: the watchdog is what sets it again.
    const master = env.MASTER.get(env.MASTER.idFromName('main'));
    await master.wake('main');
    await runInDurableObject(master, (_instance, state) => state.storage.deleteAlarm());
    expect((await master.status()).nextAlarm).toBeNull();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '* * * * *' }), { ...env, EDGECRON_TOKENS: '{"not json' } as Env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await master.status()).nextAlarm).not.toBeNull();
  });

  it('never takes a malformed sha256: entry as a plaintext token', async () => {
    const response = await callWithBindings({ EDGECRON_TOKENS: JSON.stringify({ 'sha256:zz': { role: 'postgres', admin: true } }) }, '/v1/databases/main/runs', {
      token: 'sha256:zz',
    });
    expect(response.status).toBe(503);
  });

  it('honours EDGECRON_DEV_TOKENS only beside the local proxy (EDGECRON_WS_PROXY)', async () => {
    const dev = JSON.stringify({ 'dev-token-for-bob': { role: 'bob' } });
    const production = await callWithBindings({ EDGECRON_DEV_TOKENS: dev, EDGECRON_WS_PROXY: undefined }, '/v1/databases/main/jobs', { token: 'dev-token-for-bob' });
    expect(production.status).toBe(401);
  });

  it('answers 403 from the status route, as from every other, when the token\'s role does not exist in the database', async () => {
    const bindings = { EDGECRON_TOKENS: JSON.stringify({ 'ghost-token': { role: 'ghost_role_x' } }) };
    const response = await callWithBindings(bindings, '/v1/databases/main/status', { token: 'ghost-token' });
    expect(response.status).toBe(403);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe('forbidden');
    expect(body.error.message).toContain('"ghost_role_x"');
    expect(body).not.toHaveProperty('settings');
  });

  it('answers 403 from the status route to a role that is not a scheduling role', async () => {
    const bindings = { EDGECRON_TOKENS: JSON.stringify({ 'carol-token': { role: 'carol' } }) };
    const response = await callWithBindings(bindings, '/v1/databases/main/status', { token: 'carol-token' });
    expect(response.status).toBe(403);
  });

  it('lets a role token through to its own data', async () => {
    await request('POST', '/v1/databases/main/jobs', { token: BOB_TOKEN, body: { cron: '0 3 * * *', command: 'SELECT 1' } });
    await request('POST', '/v1/databases/main/jobs', { token: ALICE_TOKEN, body: { cron: '0 3 * * *', command: 'SELECT 1' } });
    const { status, body } = await request<{ jobs: Array<{ owner: string }> }>('GET', '/v1/databases/main/jobs', { token: ALICE_TOKEN });
    expect(status).toBe(200);
    expect(body.jobs.length).toBeGreaterThan(0);
    expect(body.jobs.every((j) => j.owner === 'alice')).toBe(true);
  });
});
