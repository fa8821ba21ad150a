// Well-formed requests with one bad value, so it gets past the key checks to the database:
// instants JavaScript cannot show, names too long for the unique index once they do not
// compress, JSON nested past PostgreSQL's stack, NUL characters and unpaired surrogates. Every
// write the API accepts is read back (one job, the list, the runs), since a value that goes in
// can still break the read. None may get a 5xx, and afterwards the scheduler still runs a job.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, ALICE_TOKEN } from '../../setup/tokens';
import { callApi } from '../support/api';
import { ensureTestRoles } from '../support/roles';
import { resetDatabase, sql } from '../support/database';
import { insertJobAs } from './support/fixtures';
import { badInstant, badString, cjk, deepText, expectNoServerError, expectSchedulerRunsAJob, incompressible, withNul } from './support/fuzz';

const DB = '/v1/databases/main';
const SCHEDULE_KEYS = ['schedule', 'cron', 'rule', 'date', 'dates'];
const COMMAND_KEYS = ['command', 'commands'];
const TEXT_KEYS = ['name', 'schedule', 'cron', 'command', 'run_as', 'last_start_available', 'max_wait', 'max_run_time', 'onrollback', 'fallback',
  'next_time_statement', 'interval_expression', 'comments', 'timezone', 'queue', 'owner'];
const SUBMIT_TEXT_KEYS = ['query', 'max_duration', 'max_wait_interval', 'name', 'comments', 'run_as', 'queue', 'fallback', 'owner'];
const QUERY_KEYS = { jobs: ['name', 'queue', 'owner', 'cursor', 'kind', 'state'], runs: ['since', 'until', 'owner', 'status', 'job', 'cursor'] };

const json = (value: unknown) => JSON.stringify(value);

/** A bad value, as JSON text, of the type `key` takes: so it passes the type check and reaches the database. */
function badValueFor(key: string): fc.Arbitrary<string> {
  const list = fc.array(badString, { minLength: 1, maxLength: 3 });
  switch (key) {
    case 'date':
    case 'start_date':
    case 'end_date':
    case 'run_after':
      return fc.oneof(badInstant, badString).map(json);
    case 'dates':
      return fc.array(fc.oneof(badInstant, badString), { minLength: 1, maxLength: 3 }).map(json);
    case 'commands':
      return list.map(json);
    case 'params':
      return fc.oneof(list.map(json), deepText.map((deep) => `[${deep}]`), badString.map((v) => json([{ [v]: v }])));
    case 'rule':
      return fc.oneof(badString.map((v) => json({ minutes: [0], [v]: v })), deepText.map((deep) => `{"minutes": [0], "x": ${deep}}`));
    case 'retry':
      return badString.map((v) => json({ backoff: v, backoff_max: v }));
    default:
      return badString.map(json);
  }
}

/** A body that would be accepted but for `key`, which carries the bad value. */
function bodyText(base: Record<string, unknown>, key: string, value: string): string {
  const { [key]: _replaced, ...rest } = base;
  const text = JSON.stringify(rest).slice(1, -1);
  return `{${text}${text ? ', ' : ''}"${key}": ${value}}`;
}

const createBase = (key: string): Record<string, unknown> => ({
  ...(SCHEDULE_KEYS.includes(key) ? {} : { cron: '0 3 1 1 *' }),
  ...(COMMAND_KEYS.includes(key) ? {} : { command: 'SELECT 1' }),
});

const keyAndValue = (keys: string[]) => fc.constantFrom(...keys).chain((key) => badValueFor(key).map((value) => ({ key, value })));
const CREATE_KEYS = [...TEXT_KEYS, 'date', 'dates', 'start_date', 'end_date', 'commands', 'rule', 'retry'];
const SUBMIT_KEYS = [...SUBMIT_TEXT_KEYS, 'run_after', 'params', 'retry'];

const write = fc.oneof(
  keyAndValue(SUBMIT_KEYS).map(({ key, value }) => ({
    method: 'POST',
    path: `${DB}/submit`,
    body: bodyText({ query: 'SELECT 1', run_after: '2099-01-01T00:00:00Z' }, key, value),
  })),
  keyAndValue(CREATE_KEYS).map(({ key, value }) => ({ method: 'POST', path: `${DB}/jobs`, body: bodyText(createBase(key), key, value) })),
  keyAndValue([...CREATE_KEYS, ...SUBMIT_KEYS]).map(({ key, value }) => ({ method: 'PATCH', path: `${DB}/jobs/:seed`, body: bodyText({}, key, value) })),
  fc.oneof(incompressible.map((s) => s.slice(0, 1500)), cjk, withNul).map((name) => ({
    method: 'PUT',
    path: `${DB}/jobs/by-name/${encodeURIComponent(name)}`,
    body: JSON.stringify(createBase('')),
  })),
  keyAndValue(CREATE_KEYS).map(({ key, value }) => ({ method: 'PUT', path: `${DB}/jobs/by-name/fine`, body: bodyText(createBase(key), key, value) })),
);

const read = fc.oneof(
  fc.record({ key: fc.constantFrom(...QUERY_KEYS.jobs), value: fc.oneof(badString, badInstant) }).map(({ key, value }) => ({ path: `${DB}/jobs?${new URLSearchParams({ [key]: value })}` })),
  fc.record({ key: fc.constantFrom(...QUERY_KEYS.runs), value: fc.oneof(badString, badInstant) }).map(({ key, value }) => ({ path: `${DB}/runs?${new URLSearchParams({ [key]: value })}` })),
);

describe('fuzzing well-formed requests with one bad value', () => {
  let seed = 0;
  beforeAll(async () => {
    await resetDatabase();
    await ensureTestRoles();
    seed = await insertJobAs('alice', { name: 'seed', schedule: '0 3 1 1 *' });
  });
  afterAll(async () => {
    await sql('UPDATE edgecron.settings SET paused = false');
    await resetDatabase();
  });

  async function send(method: string, path: string, token: string, body?: string): Promise<{ status: number; text: string }> {
    const response = await callApi(path, { method, token, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body });
    const text = await response.text();
    expectNoServerError(response.status, text, `${method} ${path.slice(0, 200)} ${(body ?? '').slice(0, 300)} → ${response.status} ${text.slice(0, 300)}`);
    return { status: response.status, text };
  }

  it('never answers a 5xx to a write, nor to reading back what it wrote', { timeout: 120_000 }, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(write, fc.constantFrom(ALICE_TOKEN, ADMIN_TOKEN), async (w, token) => {
        const { status, text } = await send(w.method, w.path.replace(':seed', String(seed)), token, w.body);
        if (status >= 300) return;
        accepted++;
        const id = (JSON.parse(text) as { id: number }).id;
        await send('GET', `${DB}/jobs/${id}`, token);
        await send('GET', `${DB}/jobs?limit=1000`, token);
        await send('GET', `${DB}/runs?job=${id}`, token);
      }),
      { numRuns: 200, endOnFailure: true },
    );
    // Some writes carry values that are fine after all (a JSON array where any value goes).
    expect(accepted).toBeGreaterThan(0);
  });

  it('never answers a 5xx to a query parameter', async () => {
    await fc.assert(
      fc.asyncProperty(read, fc.constantFrom(ALICE_TOKEN, ADMIN_TOKEN), async (r, token) => {
        await send('GET', r.path, token);
      }),
      { numRuns: 150, endOnFailure: true },
    );
  });

  it('leaves the scheduler working: a job submitted after the fuzz runs and succeeds', async () => {
    await expectSchedulerRunsAJob();
  });
});
