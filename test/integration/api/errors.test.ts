import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ALICE_TOKEN } from '../../setup/tokens';
import { sql } from '../support/database';
import { ensureTestRoles } from '../support/roles';
import { insertJobAs, request, type ErrorBody } from './support/fixtures';

const JOBS = '/v1/databases/main/jobs';

describe('request errors', () => {
  it('answers malformed JSON with 400 in the error shape', async () => {
    const { status, body } = await request<ErrorBody>('POST', JOBS, { token: ADMIN_TOKEN, body: '{"name": ' });
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toMatch(/^body: is not valid JSON/);
  });

  it('answers a body above 256 KB with 413 before reading it as JSON', async () => {
    const big = JSON.stringify({ command: 'SELECT 1', cron: '* * * * *', comments: 'x'.repeat(256 * 1024) });
    const { status, body } = await request<ErrorBody>('POST', JOBS, { token: ADMIN_TOKEN, body: big });
    expect(status).toBe(413);
    expect(body).toEqual({ error: { code: 'payload_too_large', message: 'body: larger than the 256 KB allowed' } });
  });

  it('answers a body that is not JSON with 415 naming the content type', async () => {
    const { status, body } = await request<ErrorBody>('POST', JOBS, {
      token: ADMIN_TOKEN,
      body: 'cron=* * * * *',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(status).toBe(415);
    expect(body.error.message).toBe('body: Content-Type must be application/json, got "application/x-www-form-urlencoded"');
  });

  it('names every unknown key in a 400', async () => {
    const { status, body } = await request<ErrorBody>('POST', JOBS, {
      token: ADMIN_TOKEN,
      body: { cron: '* * * * *', command: 'SELECT 1', schedul: 'x', colour: 'red' },
    });
    expect(status).toBe(400);
    expect(body.error.message).toBe('body: unknown keys "schedul", "colour"');
  });

  it('names the field and the bad value of a wrong type', async () => {
    const { status, body } = await request<ErrorBody>('POST', JOBS, {
      token: ADMIN_TOKEN,
      body: { cron: '* * * * *', command: 'SELECT 1', max_instances: 'three' },
    });
    expect(status).toBe(400);
    expect(body.error.message).toBe('max_instances: Invalid input: expected number, received string (got "three")');
    expect(body.error.details).toEqual([{ path: 'max_instances', message: body.error.message }]);
  });

  it.each([
    ['0', 'must be a positive integer'],
    ['-1', 'must be a positive integer'],
    ['1.5', 'must be a positive integer'],
    ['abc', 'must be a positive integer'],
    ['9007199254740992', 'must be a positive integer of at most 9007199254740991'],
  ])('answers the bad id %s with 400', async (id, text) => {
    const { status, body } = await request<ErrorBody>('GET', `${JOBS}/${id}`, { token: ADMIN_TOKEN });
    expect(status).toBe(400);
    expect(body.error.message).toContain(`id: ${text}`);
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    const { status, body } = await request<ErrorBody>('GET', '/v1/databases/main/nothing-here', { token: ADMIN_TOKEN });
    expect(status).toBe(404);
    expect(body.error).toEqual({ code: 'not_found', message: 'no route for GET /v1/databases/main/nothing-here' });
  });

  it('answers an unknown query parameter with 400 naming it', async () => {
    const { status, body } = await request<ErrorBody>('GET', `${JOBS}?colour=red`, { token: ADMIN_TOKEN });
    expect(status).toBe(400);
    expect(body.error.message).toBe('query: unknown key "colour"');
  });

  it('tags every response with a request id', async () => {
    const { headers } = await request('GET', '/healthz');
    expect(headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('errors the database raises', () => {
  it('answers bad input as 400 even when the job text reads like a connection failure', async () => {
    const { status, body } = await request<ErrorBody>('POST', '/v1/databases/main/submit', {
      token: ADMIN_TOKEN,
      body: { query: 'SELECT 1 -- socket: connection terminated', run_as: 'no_such_role_zz' },
    });
    expect(status).toBe(400);
    expect(body.error.message).toBe('run_as: role "no_such_role_zz" does not exist');
  });
});

describe('SQLSTATEs the triggers raise, through the real Worker', () => {
  /**
   * Runs `use` while a trigger on edgecron.job raises the SQLSTATE a change's comments name
   * ("raise:55000"), as the state guards do when a request races the scheduler.
   */
  async function withRaisingTrigger(use: () => Promise<void>): Promise<void> {
    await sql(`CREATE OR REPLACE FUNCTION public.test_raise_from_comments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.comments LIKE 'raise:%' THEN
          RAISE EXCEPTION 'simulated failure %', substr(NEW.comments, 7) USING ERRCODE = substr(NEW.comments, 7);
        END IF;
        RETURN NEW;
      END $$`);
    await sql('CREATE TRIGGER test_raise_from_comments BEFORE UPDATE ON edgecron.job FOR EACH ROW EXECUTE FUNCTION public.test_raise_from_comments()');
    try {
      await use();
    } finally {
      await sql('DROP TRIGGER test_raise_from_comments ON edgecron.job');
      await sql('DROP FUNCTION public.test_raise_from_comments()');
    }
  }

  it.each([
    ['55000', 409, 'conflict'],
    ['54000', 413, 'payload_too_large'],
    ['54001', 400, 'invalid_request'],
  ])('answers SQLSTATE %s with %i %s and the database message', async (sqlstate, status, code) => {
    await ensureTestRoles();
    const id = await insertJobAs('alice', { name: `raises-${sqlstate}` });
    await withRaisingTrigger(async () => {
      const response = await request<ErrorBody>('PATCH', `/v1/databases/main/jobs/${id}`, { token: ALICE_TOKEN, body: { comments: `raise:${sqlstate}` } });
      expect(response.status).toBe(status);
      expect(response.body.error).toEqual({ code, message: `simulated failure ${sqlstate}`, details: { sqlstate } });
    });
  });

  it('answers an unexpected SQLSTATE with 500 and only the request id', async () => {
    await ensureTestRoles();
    const id = await insertJobAs('alice', { name: 'raises-XX000' });
    await withRaisingTrigger(async () => {
      const response = await request<ErrorBody>('PATCH', `/v1/databases/main/jobs/${id}`, { token: ALICE_TOKEN, body: { comments: 'raise:XX000' } });
      expect(response.status).toBe(500);
      expect(response.body.error).toEqual({ code: 'internal', message: `internal error (request id ${response.headers.get('X-Request-Id')})` });
    });
  });
});
