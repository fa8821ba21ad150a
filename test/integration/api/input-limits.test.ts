// Input PostgreSQL cannot take, refused by name before it gets there: names past the unique
// index's entry size, JSON nested past the server's stack, NUL characters (text cannot hold
// them) and unpaired UTF-16 surrogates (jsonb cannot hold them).
import { beforeEach, describe, expect, it } from 'vitest';
import { ALICE_TOKEN } from '../../setup/tokens';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { request, type ErrorBody } from './support/fixtures';

const DB = '/v1/databases/main';

/** Random base64 text: it does not compress, so TOAST cannot shrink it below the index limit. */
function incompressible(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil((length * 3) / 4)));
  return btoa(String.fromCharCode(...bytes)).slice(0, length);
}

/** CJK text: three UTF-8 bytes a character. */
function cjk(length: number): string {
  return Array.from({ length }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('');
}

function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe('names', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it.each([
    ['201 ASCII characters', 'n'.repeat(201)],
    ['3000 incompressible characters', incompressible(3000)],
    ['1000 CJK characters (3000 bytes)', cjk(1000)],
  ])('refuses a name of %s with a 400 naming the field, on create, submit and change', async (_, name) => {
    const created = await request<ErrorBody>('POST', `${DB}/jobs`, { token: ALICE_TOKEN, body: { name, cron: '0 3 * * *', command: 'SELECT 1' } });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toMatch(/^name: at most 200 characters/);
    const submitted = await request<ErrorBody>('POST', `${DB}/submit`, { token: ALICE_TOKEN, body: { name, query: 'SELECT 1' } });
    expect(submitted.status).toBe(400);
    expect(submitted.body.error.message).toMatch(/^name: at most 200 characters/);
    const ok = await request<{ id: number }>('POST', `${DB}/jobs`, { token: ALICE_TOKEN, body: { name: 'short', cron: '0 3 * * *', command: 'SELECT 1' } });
    const changed = await request<ErrorBody>('PATCH', `${DB}/jobs/${ok.body.id}`, { token: ALICE_TOKEN, body: { name } });
    expect(changed.status).toBe(400);
    expect(changed.body.error.message).toMatch(/^name: at most 200 characters/);
  });

  it('refuses a long name in the path of PUT by-name with a 400 naming it', async () => {
    for (const name of [cjk(1000), incompressible(1000), cjk(201)]) {
      const { status, body } = await request<ErrorBody>('PUT', `${DB}/jobs/by-name/${encodeURIComponent(name)}`, {
        token: ALICE_TOKEN,
        body: { cron: '0 3 * * *', command: 'SELECT 1' },
      });
      expect(status).toBe(400);
      expect(body.error.message).toMatch(/^name: at most 200 characters/);
    }
    expect(await sql('SELECT id FROM edgecron.job')).toEqual([]);
  });

  it('takes a name of 200 CJK characters (600 bytes), and one of 100 characters outside the BMP (200 UTF-16 units)', async () => {
    const created = await request<{ name: string }>('PUT', `${DB}/jobs/by-name/${encodeURIComponent(cjk(200))}`, {
      token: ALICE_TOKEN,
      body: { cron: '0 3 * * *', command: 'SELECT 1' },
    });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe(cjk(200));
    const emoji = '🕐'.repeat(100);
    const submitted = await request('POST', `${DB}/submit`, { token: ALICE_TOKEN, body: { name: emoji, query: 'SELECT 1', run_after: '2099-01-01T00:00:00Z' } });
    expect(submitted.status).toBe(201);
  });

  it('refuses a queue name past 200 characters, which would overflow the running-queue index', async () => {
    const { status, body } = await request<ErrorBody>('POST', `${DB}/submit`, { token: ALICE_TOKEN, body: { queue: incompressible(3000), query: 'SELECT 1' } });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^queue: at most 200 characters/);
  });
});

describe('nesting', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it('refuses params nested 60,000 arrays deep with a 400 naming params', async () => {
    const { status, body } = await request<ErrorBody>('POST', `${DB}/submit`, {
      token: ALICE_TOKEN,
      body: `{"query": "SELECT $1", "params": [${nestedArrays(60_000)}]}`,
    });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^params: JSON nested deeper than 32 levels/);
    expect(await sql('SELECT id FROM edgecron.job')).toEqual([]);
  });

  it('refuses a rule nested too deep, on create and on change', async () => {
    const deep = `{"minutes": [0], "x": ${nestedArrays(100)}}`;
    const created = await request<ErrorBody>('POST', `${DB}/jobs`, { token: ALICE_TOKEN, body: `{"command": "SELECT 1", "rule": ${deep}}` });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toMatch(/^rule: JSON nested deeper than 32 levels/);
    const ok = await request<{ id: number }>('POST', `${DB}/jobs`, { token: ALICE_TOKEN, body: { cron: '0 3 * * *', command: 'SELECT 1' } });
    const changed = await request<ErrorBody>('PATCH', `${DB}/jobs/${ok.body.id}`, { token: ALICE_TOKEN, body: `{"params": [${nestedArrays(40)}]}` });
    expect(changed.status).toBe(400);
    expect(changed.body.error.message).toMatch(/^params: JSON nested deeper than 32 levels/);
  });

  it('takes params nested 32 levels deep and binds them', async () => {
    const value = JSON.parse(nestedArrays(31)) as unknown;
    const { status } = await request('POST', `${DB}/submit`, { token: ALICE_TOKEN, body: { query: 'SELECT $1::jsonb', params: [value], run_after: '2099-01-01T00:00:00Z' } });
    expect(status).toBe(201);
  });

  it('refuses a preview rule nested too deep', async () => {
    const { status, body } = await request<ErrorBody>('POST', '/v1/schedule/preview', { body: `{"rule": {"minutes": ${nestedArrays(60_000)}}}` });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^rule: JSON nested deeper than 32 levels/);
  });
});

describe('NUL characters and unpaired surrogates', () => {
  beforeEach(async () => {
    await resetDatabase();
    await ensureTestRoles();
  });

  it.each([
    ['name', { name: 'a\u0000b' }],
    ['run_as', { run_as: 'reporting\u0000' }],
    ['comments', { comments: '\u0000' }],
    ['queue', { queue: 'q\u0000' }],
    ['query', { query: 'SELECT 1\u0000' }],
    ['params.0', { params: ['a\u0000b'] }],
    ['params.0.k', { params: [{ k: '\u0000' }] }],
    ['params.0', { params: [{ 'key\u0000': 1 }] }],
    ['max_duration', { max_duration: '1 minute\u0000' }],
    ['fallback', { fallback: 'SELECT 1\u0000' }],
    ['name', { name: 'half a pair \ud800' }],
    ['params.0', { params: ['\udc00 alone'] }],
  ])('refuses %s in a submit with a 400 naming it', async (field, keys) => {
    const { status, body } = await request<ErrorBody>('POST', `${DB}/submit`, { token: ALICE_TOKEN, body: { query: 'SELECT 1', ...keys } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message.startsWith(`${field}: `), body.error.message).toBe(true);
    expect(body.error.message).toMatch(/must not contain NUL \(\\u0000\) or unpaired surrogate characters/);
  });

  it.each([
    ['name', 'cron', { name: 'x\u0000' }],
    ['cron', 'cron', { cron: '0 3 * * *\u0000' }],
    ['timezone', 'cron', { timezone: 'UTC\u0000' }],
    ['commands.1', 'cron', { commands: ['SELECT 1', 'SELECT \u0000'] }],
    ['rule.x', 'rule', { rule: { minutes: [0], x: 'a\u0000' } }],
    ['next_time_statement', 'cron', { next_time_statement: '\u0000' }],
    ['retry.backoff', 'cron', { retry: { backoff: '1 second\u0000' } }],
  ])('refuses %s in a create with a 400 naming it', async (field, source, keys) => {
    const base: Record<string, unknown> = source === 'cron' ? { cron: '0 3 * * *', command: 'SELECT 1' } : { command: 'SELECT 1' };
    const { status, body } = await request<ErrorBody>('POST', `${DB}/jobs`, { token: ALICE_TOKEN, body: { ...base, ...keys } });
    expect(status).toBe(400);
    expect(body.error.message.startsWith(`${field}: `), body.error.message).toBe(true);
  });

  it.each([
    ['name', `${DB}/jobs?name=a%00b`],
    ['queue', `${DB}/jobs?queue=%00`],
    ['owner', `${DB}/jobs?owner=alice%00`],
    ['owner', `${DB}/runs?owner=%00`],
  ])('refuses %s with NUL in the query string (%s) with a 400 naming it', async (field, path) => {
    const { status, body } = await request<ErrorBody>('GET', path, { token: ALICE_TOKEN });
    expect(status).toBe(400);
    expect(body.error.message.startsWith(`${field}: `), body.error.message).toBe(true);
  });

  it('refuses NUL in the name of PUT by-name with a 400 naming it', async () => {
    const { status, body } = await request<ErrorBody>('PUT', `${DB}/jobs/by-name/a%00b`, { token: ALICE_TOKEN, body: { cron: '0 3 * * *', command: 'SELECT 1' } });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^name: must not contain NUL/);
  });
});
